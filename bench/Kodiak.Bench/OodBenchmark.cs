using System.Diagnostics;
using System.Globalization;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;

namespace Kodiak.Bench;

/// <summary>
/// Which out-of-domain score separates in-domain images from others: every candidate is fitted on the model's training
/// images and thresholded on its validation images (as export does), then scored on an in-domain set and on each
/// out-of-domain set — AUROC, the share of each set flagged, and the bundle's own stored score at its stored threshold.
/// Also the latency the scoring adds to a prediction.
/// </summary>
internal static class OodBenchmark
{
    const int Neighbours = 10;

    public static int Run(string[] args)
    {
        string[] positional = [.. args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))];
        if (positional.Length < 3)
        {
            Console.Error.WriteLine("ood: give MODEL IN_DIR OUT_DIR..., e.g. out/model.kodiak ../shared/data/clipart3 /tmp/ood/photos");
            return 2;
        }

        double rate = Cli.Option(args, "--rate-percent", 5) / 100.0;
        int runs = Cli.Option(args, "--runs", 60);
        using var predictor = Predictor.Load(positional[0]);
        var manifest = predictor.Manifest;
        string dataFolder = manifest.Training.DataFolder;
        var valid = new HashSet<string>(manifest.Training.ValidItems ?? [], StringComparer.Ordinal);
        if (valid.Count == 0 || !Directory.Exists(dataFolder))
        {
            Console.Error.WriteLine($"ood: the bundle must record its validation images and its data folder '{dataFolder}' must exist, to refit the candidates.");
            return 1;
        }

        string Relative(string file) => Path.GetRelativePath(dataFolder, file).Replace('\\', '/');
        var dataFiles = ImageFiles.Get(dataFolder);
        var trainFiles = dataFiles.Where(f => !valid.Contains(Relative(f))).ToList();
        var validFiles = dataFiles.Where(f => valid.Contains(Relative(f))).ToList();
        string inFolder = Path.GetFullPath(positional[1]);
        // The data folder itself: only its validation images are unseen in training.
        var inFiles = Path.TrimEndingDirectorySeparator(inFolder) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataFolder))
            ? validFiles
            : ImageFiles.Get(inFolder).ToList();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores (shared: timings are rough); model: {positional[0]}, "
                          + $"{manifest.Input.Width}×{manifest.Input.Height}, classes {string.Join(", ", predictor.Classes)}");
        Console.WriteLine($"stored: {Describe(predictor.OutOfDomainCalibration)}");
        Console.WriteLine($"fit on {trainFiles.Count} training images, thresholds for {rate:P0} false alarms on {validFiles.Count} validation images; "
                          + $"in-domain: {inFiles.Count} images from {positional[1]}");

        var train = Outputs(predictor, trainFiles);
        var trainLabels = trainFiles.Select(f => IndexOf(predictor.Classes, Path.GetFileName(Path.GetDirectoryName(f))!)).ToList();
        var validOut = Outputs(predictor, validFiles);
        var inOut = Outputs(predictor, inFiles);
        var sets = positional[2..].Select(d => (Name: d, Out: Outputs(predictor, ImageFiles.Get(d)))).ToList();

        var candidates = new List<(string Name, Func<PredictionWithFeatures, double> Score, double Threshold)>();
        var methods = Enum.GetValues<OutOfDomainMethod>().Select(m => (Method: m, Normalise: true))
            .Concat(Enum.GetValues<OutOfDomainMethod>().Where(OutOfDomainCalibration.NeedsFeatures).Select(m => (Method: m, Normalise: false)));
        foreach (var (method, normalise) in methods)
        {
            var calibration = OutOfDomainCalibrator.Calibrate(method, [.. train.Select(p => ToArray(p.Features))], trainLabels, predictor.Classes.Count,
                [.. validOut.Select(p => ToArray(p.Logits))], [.. validOut.Select(p => ToArray(p.Features))], rate, normalise);
            var scorer = new OutOfDomainScorer(calibration);
            string how = OutOfDomainCalibration.NeedsFeatures(method) ? $" ({(normalise ? "unit" : "raw")}, shrink {calibration.Shrinkage:0.00})" : "";
            candidates.Add((method + how, p => scorer.Score(ToArray(p.Logits), ToArray(p.Features)), calibration.Threshold));
        }

        // k-NN: cosine distance to the k-th nearest training image; not stored in bundles (it keeps every training feature).
        var bank = train.Select(p => OutOfDomainScorer.Normalised(ToArray(p.Features))).ToArray();
        double Knn(PredictionWithFeatures p)
        {
            var f = OutOfDomainScorer.Normalised(ToArray(p.Features));
            var distances = bank.Select(b => 1 - Dot(b, f)).Order().ToArray();
            return distances[Math.Min(Neighbours, distances.Length) - 1];
        }

        candidates.Add(($"kNN (k={Neighbours}, cosine)", Knn, Threshold(validOut.Select(Knn), rate)));

        Console.WriteLine();
        Console.WriteLine($"{"score",-38} {"set",-34} {"images",6} {"AUROC",6} {"flagged",8}");
        foreach (var (name, score, threshold) in candidates)
        {
            double[] inScores = [.. inOut.Select(score)];
            Console.WriteLine($"{name,-38} {"in: " + positional[1],-34} {inScores.Length,6} {"",6} {Share(inScores, threshold),8:P1}  (held out, 2-fold: {HeldOutFalseAlarms(inScores, rate):P1})");
            foreach (var (set, outputs) in sets)
            {
                double[] outScores = [.. outputs.Select(score)];
                Console.WriteLine($"{"",-38} {set,-34} {outScores.Length,6} {Auroc(inScores, outScores),6:0.000} {Share(outScores, threshold),8:P1}");
            }
        }

        if (predictor.OutOfDomainCalibration is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"stored score at its stored threshold: in-domain flagged {inOut.Count(p => p.Prediction.OutOfDomain == true) / (double)inOut.Count:P1}; "
                              + string.Join("; ", sets.Select(s => $"{s.Name} flagged {s.Out.Count(p => p.Prediction.OutOfDomain == true) / (double)s.Out.Count:P1}")));
            Latency(positional[0], inFiles, runs);
        }

        return 0;
    }

    /// <summary>Single-image predictions with scoring on and off, alternated so background load hits both alike.</summary>
    static void Latency(string bundle, IReadOnlyList<string> files, int runs)
    {
        using var on = Predictor.Load(bundle);
        using var off = Predictor.Load(bundle, new PredictorOptions { ScoreOutOfDomain = false });
        var images = files.Take(20).Select(File.ReadAllBytes).ToArray();
        var (onTimes, offTimes) = (new List<double>(), new List<double>());
        for (int i = 0; i < runs; i++)
        {
            var image = images[i % images.Length];
            onTimes.Add(Time(() => on.Predict(image)));
            offTimes.Add(Time(() => off.Predict(image)));
        }

        var calibration = on.OutOfDomainCalibration!;
        var scorer = new OutOfDomainScorer(calibration);
        var sample = on.PredictWithFeatures([images[0]])[0];
        float[] logits = ToArray(sample.Logits), features = ToArray(sample.Features);
        var scoreTimes = Enumerable.Range(0, 200).Select(_ => Time(() => scorer.Score(logits, features))).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency per single-image prediction over {runs} runs (rough, shared machine): scoring on p50 {Stats.Percentile(onTimes, 0.5):0.00} ms, "
            + $"off p50 {Stats.Percentile(offTimes, 0.5):0.00} ms; the score alone p50 {Stats.Percentile(scoreTimes, 0.5) * 1000:0} µs "
            + $"({calibration.Method}; calibration entry {calibration.ToJson().Length / 1024.0:0} KiB)"));
    }

    static List<PredictionWithFeatures> Outputs(Predictor predictor, IReadOnlyList<string> files) =>
        [.. predictor.PredictWithFeatures([.. files.Select(f => (ImageSource)f)])];

    static int IndexOf(IReadOnlyList<string> classes, string name) =>
        classes.Select((c, i) => (c, i)).First(x => x.c == name).i;

    static float[] ToArray(IReadOnlyList<float> values) => values as float[] ?? [.. values];

    static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    static double Threshold(IEnumerable<double> scores, double rate) => OutOfDomainCalibrator.Threshold([.. scores], rate);

    static double Share(double[] scores, double threshold) => scores.Count(s => s > threshold) / (double)scores.Length;

    /// <summary>False alarms on in-domain images the threshold was not chosen on: each half thresholds the other.</summary>
    static double HeldOutFalseAlarms(double[] scores, double rate)
    {
        double[] even = [.. scores.Where((_, i) => i % 2 == 0)], odd = [.. scores.Where((_, i) => i % 2 == 1)];
        return (Share(odd, Threshold(even, rate)) + Share(even, Threshold(odd, rate))) / 2;
    }

    /// <summary>The chance that an out-of-domain image scores above an in-domain one (ties count half).</summary>
    static double Auroc(double[] inScores, double[] outScores)
    {
        double wins = 0;
        foreach (double o in outScores)
            foreach (double i in inScores)
                wins += o > i ? 1 : o == i ? 0.5 : 0;
        return wins / ((double)inScores.Length * outScores.Length);
    }

    static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    static string Describe(OutOfDomainCalibration? c) => c is null
        ? "no out-of-domain calibration"
        : string.Create(CultureInfo.InvariantCulture,
            $"{c.Method}, threshold {c.Threshold:0.###} (flags {c.ValidationFalseAlarmRate:P1} of {c.ValidationImages} validation images; target {c.TargetFalseAlarmRate:P0})");
}
