using System.Diagnostics;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Training.Models;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;
using static TorchSharp.torch;

namespace Kodiak.Bench;

/// <summary>
/// Serving speed: the <see cref="Predictor"/> (ONNX Runtime, folded graph; fp32, and int8 when the bundle has it) next
/// to TorchSharp eager eval of the same bundle, in one run, on the same encoded images held in memory. Every path decodes
/// and preprocesses with the same Kodiak.Vision code, which is also timed on its own.
/// </summary>
internal static class PredictBenchmark
{
    const int BatchSize = 32;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("predict: give the bundle to time, e.g. out/model.kodiak (from `kodiak train ... --size 224`).");
            return 2;
        }
        string bundlePath = args[0];
        string folder = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : Path.Combine("..", "shared", "data", "clipart3");
        int runs = Cli.Option(args, "--runs", 50), batches = Cli.Option(args, "--batches", 5);
        var images = ImageFiles.Get(folder).Select(File.ReadAllBytes).ToArray();
        if (images.Length < BatchSize)
        {
            Console.Error.WriteLine($"predict: need at least {BatchSize} images in '{folder}', found {images.Length}");
            return 1;
        }

        // Both sides get the same thread count: all cores unless --threads says otherwise.
        int threads = Cli.Option(args, "--threads", Environment.ProcessorCount);
        set_num_threads(threads);
        using var predictor = Predictor.Load(bundlePath, new PredictorOptions { IntraOpThreads = threads, Variant = ModelBundle.DefaultVariant });
        using var int8 = predictor.Manifest.Variants.ContainsKey(ModelBundle.Int8Variant)
            ? Predictor.Load(bundlePath, new PredictorOptions { IntraOpThreads = threads, Variant = ModelBundle.Int8Variant })
            : null;
        if (int8 is null)
            Console.WriteLine($"note: {bundlePath} has no int8 model (kodiak export --int8 {bundlePath} adds one); timing fp32 only.");
        using var model = ClassifierModel.Load(bundlePath);
        model.eval();
        var transforms = TransformRecipe.FromJson(predictor.Manifest.ItemTransforms, bundlePath);
        var (width, height) = (predictor.Manifest.Input.Width, predictor.Manifest.Input.Height);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {threads} threads each; model: {bundlePath}, {width}×{height}, " +
                          $"{predictor.Classes.Count} classes; images: {images.Length} from {folder}");

        float[] Prepare(IReadOnlyList<byte[]> batch)
        {
            int length = 3 * width * height;
            var pixels = new float[batch.Count * length];
            for (int i = 0; i < batch.Count; i++)
                ItemPipeline.Load(batch[i], transforms, ItemContext.Validation()).ToChwFloats(pixels.AsSpan(i * length, length));
            return pixels;
        }

        float[] Torch(IReadOnlyList<byte[]> batch)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = tensor(Prepare(batch), [batch.Count, 3, height, width]);
            return nn.functional.softmax(model.forward(input), 1).data<float>().ToArray();
        }

        // Warm-up both, and check they agree on what they are timed doing.
        var check = images.Take(4).ToArray();
        var reference = Torch(check);
        var ours = predictor.PredictBatch([.. check.Select(b => (ImageSource)b)]).SelectMany(p => p.Probabilities).ToArray();
        Console.WriteLine($"max |p_predictor − p_torch| on {check.Length} images: {reference.Zip(ours, (a, b) => MathF.Abs(a - b)).Max():G3}");

        var prepare = Times(runs, i => Prepare([images[i % images.Length]]));
        // Alternate the two on the same image so background load hits both alike.
        var predictorTimes = new List<double>();
        var int8Times = new List<double>();
        var torchTimes = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var image = images[i % images.Length];
            predictorTimes.Add(Time(() => predictor.Predict(image)));
            if (int8 is not null)
                int8Times.Add(Time(() => int8.Predict(image)));
            torchTimes.Add(Time(() => Torch([image])));
        }

        double predictorRate = 0, int8Rate = 0, torchRate = 0;
        for (int b = 0; b < batches; b++)
        {
            var batch = Enumerable.Range(b * BatchSize, BatchSize).Select(i => images[i % images.Length]).ToArray();
            ImageSource[] sources = [.. batch.Select(x => (ImageSource)x)];
            predictorRate += Time(() => predictor.PredictBatch(sources));
            if (int8 is not null)
                int8Rate += Time(() => int8.PredictBatch(sources));
            torchRate += Time(() => Torch(batch));
        }
        predictorRate = batches * BatchSize / (predictorRate / 1000);
        int8Rate = batches * BatchSize / (int8Rate / 1000);
        torchRate = batches * BatchSize / (torchRate / 1000);

        Console.WriteLine($"decode + preprocess, 1 image:   p50 {Stats.Percentile(prepare, 0.50),7:0.00} ms  p95 {Stats.Percentile(prepare, 0.95),7:0.00} ms");
        Console.WriteLine($"Predictor.Predict, 1 image:     p50 {Stats.Percentile(predictorTimes, 0.50),7:0.00} ms  p95 {Stats.Percentile(predictorTimes, 0.95),7:0.00} ms");
        if (int8 is not null)
            Console.WriteLine($"Predictor.Predict int8, 1 image: p50 {Stats.Percentile(int8Times, 0.50),6:0.00} ms  p95 {Stats.Percentile(int8Times, 0.95),7:0.00} ms");
        Console.WriteLine($"TorchSharp eval, 1 image:       p50 {Stats.Percentile(torchTimes, 0.50),7:0.00} ms  p95 {Stats.Percentile(torchTimes, 0.95),7:0.00} ms");
        Console.WriteLine($"batch {BatchSize}: Predictor {predictorRate:0.0} images/s{(int8 is null ? "" : $", int8 {int8Rate:0.0} images/s")}, TorchSharp {torchRate:0.0} images/s ({batches} batches each)");
        if (int8 is not null)
        {
            Console.WriteLine($"ratio int8 / fp32 p50 latency: {Stats.Percentile(int8Times, 0.50) / Stats.Percentile(predictorTimes, 0.50):0.00}");
            // For bench/predict-vs-fastai.sh.
            Console.WriteLine($"int8_p50_ms {Stats.Percentile(int8Times, 0.50):0.000}");
        }

        Console.WriteLine($"ratio Predictor / TorchSharp p50 latency: {Stats.Percentile(predictorTimes, 0.50) / Stats.Percentile(torchTimes, 0.50):0.00} (target ≤ 0.6)");
        return 0;
    }

    static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalMilliseconds;
    }

    static List<double> Times(int runs, Action<int> action) => [.. Enumerable.Range(0, runs).Select(i => Time(() => action(i)))];
}
