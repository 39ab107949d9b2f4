using Kodiak.Vision;
using Kodiak.Vision.Codecs;

namespace Kodiak.Testing;

/// <summary>
/// A tiny red / green / blue data folder (16 px PNGs, each with its own block pattern) and a <see cref="ColourModel"/>
/// bundle recording its validation set, with problems planted where a cleaner must find them: a red image copied
/// into blue, a red image filed under green, a green image copied with one copy in train and one in valid, and a
/// grey image that belongs to no class.
/// </summary>
public sealed class PlantedData : IDisposable
{
    public const string CopiedAcrossClasses = "blue/r0.png", CopiedFrom = "red/r0.png";
    public const string WrongClass = "green/r9.png";
    public const string LeakTrain = "green/g0.png", LeakValid = "green/g0-copy.png";
    public const string Outlier = "red/grey.png";

    static readonly (string Name, byte R, byte G, byte B)[] Colours = [("red", 200, 40, 40), ("green", 40, 200, 40), ("blue", 40, 40, 200)];

    readonly TempFolder _temp = new();

    public PlantedData()
    {
        Data = Path.Combine(_temp.Path, "data");
        var random = new Random(7);
        foreach (var (name, r, g, b) in Colours)
            for (int i = 0; i < 6; i++)
                Write($"{name}/{name[0]}{i}.png", Image(random, r, g, b));
        File.Copy(Full(CopiedFrom), Full(CopiedAcrossClasses));
        Write(WrongClass, Image(random, 200, 40, 40));
        File.Copy(Full(LeakTrain), Full(LeakValid));
        Write(Outlier, Image(random, 128, 128, 128));
        Bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), validItems: ["red/r1.png", "green/g1.png", "blue/b1.png", LeakValid]);
    }

    /// <summary>The data folder.</summary>
    public string Data { get; }

    /// <summary>The model.</summary>
    public string Bundle { get; }

    /// <summary>A file of the data folder by its relative path.</summary>
    public string Full(string relative) => Path.Combine(Data, relative);

    /// <summary>Every file under the data folder (journal and trash included) with its bytes, by relative path.</summary>
    public IReadOnlyDictionary<string, byte[]> Snapshot() =>
        Directory.EnumerateFiles(Data, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Data, f).Replace('\\', '/'), File.ReadAllBytes);

    public void Dispose() => _temp.Dispose();

    void Write(string relative, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Full(relative))!);
        File.WriteAllBytes(Full(relative), bytes);
    }

    /// <summary>A colour with a random pattern of 4 × 4 blocks, brighter or darker by up to 50.</summary>
    static byte[] Image(Random random, byte r, byte g, byte b)
    {
        var image = new RgbImage(16, 16);
        var shades = Enumerable.Range(0, 16).Select(_ => random.Next(-50, 51)).ToArray();
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                int shade = shades[y / 4 * 4 + x / 4], at = (y * 16 + x) * 3;
                image.Pixels[at] = (byte)Math.Clamp(r + shade, 0, 255);
                image.Pixels[at + 1] = (byte)Math.Clamp(g + shade, 0, 255);
                image.Pixels[at + 2] = (byte)Math.Clamp(b + shade, 0, 255);
            }

        return ImageEncoder.Encode(image, ImageFormat.Png);
    }
}
