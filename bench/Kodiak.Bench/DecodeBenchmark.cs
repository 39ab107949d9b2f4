using System.Diagnostics;
using System.Runtime.InteropServices;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Processing;

namespace Kodiak.Bench;

/// <summary>Decode-to-224 throughput: JPEG scaled (reduced-DCT) decode against full decode then resize.</summary>
internal static class DecodeBenchmark
{
    private const int ShortSide = 224;
    private const int CacheSide = 4096;
    private const string Backgrounds = "/usr/share/backgrounds";

    public static int Run(string[] args)
    {
        int passes = 3;
        string? folder = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--passes" && i + 1 < args.Length && int.TryParse(args[++i], out passes) && passes > 0)
            {
                continue;
            }

            if (folder is null && !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                folder = args[i];
                continue;
            }

            Console.Error.WriteLine($"decode: unexpected argument '{args[i]}'");
            return 2;
        }

        IReadOnlyList<string> files = folder is null ? PrepareBackgrounds() : Jpegs(folder);
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"decode: no JPEG files in '{folder ?? Backgrounds}'");
            return 1;
        }

        long bytes = files.Sum(file => new FileInfo(file).Length);
        ImageInfo first = ImageDecoder.Identify(files[0]);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"images:  {files.Count} JPEGs ({bytes / files.Count / 1024} KiB avg, first {first.Width}×{first.Height}) from {Path.GetDirectoryName(files[0])}");

        var modes = new (string Name, Func<string, RgbImage> Decode)[]
        {
            ("scaled decode", file => ImageDecoder.DecodeShortSide(file, ShortSide)),
            ("full decode + resize", file => ImageOps.ResizeShortSide(ImageDecoder.Decode(file), ShortSide)),
        };

        // Warm-up: JIT, Skia's lazy initialisation and the page cache.
        foreach (var (_, decode) in modes)
        {
            foreach (string file in files.Take(3))
            {
                decode(file);
            }
        }

        double difference = MeanAbsoluteDifference(modes[0].Decode(files[0]), modes[1].Decode(files[0]));
        Console.WriteLine($"check:   mean |scaled − full| on the first image = {difference:F2}/255");

        // Alternate the modes pass by pass so drift (thermal, other load) hits both alike.
        var rates = modes.Select(_ => new List<double>()).ToArray();
        for (int pass = 1; pass <= passes; pass++)
        {
            for (int m = 0; m < modes.Length; m++)
            {
                var clock = Stopwatch.StartNew();
                foreach (string file in files)
                {
                    modes[m].Decode(file);
                }

                rates[m].Add(files.Count / clock.Elapsed.TotalSeconds);
                Console.WriteLine($"pass {pass}: {modes[m].Name,-22} {rates[m][^1],8:F2} images/s");
            }
        }

        double[] medians = [.. rates.Select(Median)];
        Console.WriteLine();
        Console.WriteLine($"| mode | images/s (median of {passes}) | best |");
        Console.WriteLine("| --- | ---: | ---: |");
        for (int m = 0; m < modes.Length; m++)
        {
            Console.WriteLine($"| {modes[m].Name} | {medians[m]:F2} | {rates[m].Max():F2} |");
        }

        Console.WriteLine($"speed-up (scaled / full, medians): {medians[0] / medians[1]:F2}×");
        return 0;
    }

    private static IReadOnlyList<string> Jpegs(string folder) =>
        [.. ImageFiles.Get(folder).Where(file => ImageDecoder.Identify(file).Format == ImageFormat.Jpeg)];

    /// <summary>Re-encodes every decodable background as a 4096×4096 JPEG once; later runs reuse the cache.</summary>
    private static IReadOnlyList<string> PrepareBackgrounds()
    {
        if (!Directory.Exists(Backgrounds))
        {
            throw new DirectoryNotFoundException(
                $"'{Backgrounds}' is missing: run 'apt-get install -y gnome-backgrounds' or pass a FOLDER of JPEGs.");
        }

        string cache = Path.Combine(Path.GetTempPath(), "kodiak-bench", $"backgrounds-{CacheSide}");
        Directory.CreateDirectory(cache);
        foreach (string source in ImageFiles.Get(Backgrounds))
        {
            string name = Path.GetRelativePath(Backgrounds, source).Replace('/', '_');
            string target = Path.Combine(cache, Path.ChangeExtension(name, ".jpg"));
            if (File.Exists(target))
            {
                continue;
            }

            RgbImage image = ImageDecoder.Decode(source);
            int side = Math.Min(image.Width, image.Height);
            RgbImage square = ImageOps.Crop(image, (image.Width - side) / 2, (image.Height - side) / 2, side, side);
            File.WriteAllBytes(target, ImageEncoder.Encode(ImageOps.Resize(square, CacheSide, CacheSide), ImageFormat.Jpeg, quality: 90));
            Console.WriteLine($"cached {target}");
        }

        return Jpegs(cache);
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        if (a.Width != b.Width || a.Height != b.Height)
        {
            throw new InvalidOperationException($"Modes disagree on size: {a.Width}×{a.Height} vs {b.Width}×{b.Height}.");
        }

        long sum = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            sum += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }

        return (double)sum / a.Pixels.Length;
    }
}
