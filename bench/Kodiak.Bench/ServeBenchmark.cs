using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using Kodiak.Bundle;
using Kodiak.Server;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using OrtSessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Kodiak.Bench;

/// <summary>
/// <c>POST /api/predict</c> against the app on 127.0.0.1: requests/s and p50/p95 latency at several concurrencies,
/// micro-batching on (batch 16, wait 5 ms) against off (batch 1, no wait), in one run; then ONNX Runtime alone on the
/// same model, running the batch sizes the batching server ran at concurrency 32 in a loop on preprocessed images, and
/// the server's images/s at concurrency 32 as a share of that.
/// </summary>
internal static class ServeBenchmark
{
    static readonly int[] Concurrencies = [1, 8, 32];

    /// <summary>The server's meter (KodiakMetrics.MeterName, internal to Kodiak.Server).</summary>
    const string ServerMeter = "Kodiak.Server";

    /// <summary>Rounds per cell; the modes take turns.</summary>
    const int Rounds = 4;

    public static async Task<int> Run(string[] args)
    {
        if (ServeArgs.Parse("serve", args) is not { } parsed)
            return 2;
        var (model, folder, seconds, precision) = parsed;

        var images = ImageFiles.Get(folder).Select(File.ReadAllBytes).ToArray();
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"model:   {model}; images: {images.Length} from {folder} ({images.Sum(i => (long)i.Length) / images.Length / 1024} KiB avg); {seconds} s per cell in {Rounds} rounds, the modes taking turns, after 1 s warm-up");

        var modes = new (string Name, int MaxBatch, TimeSpan Wait)[]
        {
            ("on", 16, TimeSpan.FromMilliseconds(5)),
            ("off", 1, TimeSpan.Zero),
        };
        // Both servers run side by side and the modes alternate in short rounds, so that a change in the machine's
        // load (it is shared) falls on both alike.
        var apps = new List<WebApplication>();
        var clients = new List<HttpClient>();
        foreach (var (_, maxBatch, wait) in modes)
        {
            var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions
            {
                Model = model,
                MaxBatchSize = maxBatch,
                MaxBatchWait = wait,
                QueueCapacity = 256,
                Precision = precision,
            });
            await app.StartAsync();
            apps.Add(app);
            clients.Add(new HttpClient { BaseAddress = new Uri(app.Urls.Single()) });
        }

        string variant = apps[0].Services.GetRequiredService<IModelRouter>().Models[0].Predictor.Variant;
        Console.WriteLine($"precision: {variant}");
        var results = new Dictionary<(string, int), Cell>();
        var batchSizes = new List<int>();
        foreach (int concurrency in Concurrencies)
        {
            var rounds = modes.Select(_ => new List<Round>()).ToArray();
            for (int m = 0; m < modes.Length; m++)
                await Load(clients[m], images, concurrency, TimeSpan.FromSeconds(1));
            for (int round = 0; round < Rounds; round++)
            {
                for (int m = 0; m < modes.Length; m++)
                {
                    // The batches the batching server runs at the highest concurrency are what ONNX Runtime alone repeats.
                    using var sizes = m == 0 && concurrency == Concurrencies[^1] ? BatchSizes(batchSizes) : null;
                    rounds[m].Add(await Load(clients[m], images, concurrency, TimeSpan.FromSeconds(seconds / Rounds)));
                }
            }

            for (int m = 0; m < modes.Length; m++)
            {
                var cell = results[(modes[m].Name, concurrency)] = Cell.Of(rounds[m]);
                Console.WriteLine($"micro-batching {modes[m].Name} (batch {modes[m].MaxBatch}, wait {modes[m].Wait.TotalMilliseconds} ms), concurrency {concurrency}: {cell}");
            }
        }

        await ServeArgs.StopAsync(apps, clients);

        Console.WriteLine();
        Console.WriteLine("| concurrency | batching | requests/s | p50 ms | p95 ms |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: |");
        foreach (int concurrency in Concurrencies)
        {
            foreach (var (name, _, _) in modes)
            {
                var cell = results[(name, concurrency)];
                Console.WriteLine($"| {concurrency} | {name} | {cell.RequestsPerSecond:0.0} | {cell.P50:0.0} | {cell.P95:0.0} |");
            }
        }

        Console.WriteLine();
        foreach (int concurrency in Concurrencies)
        {
            Cell on = results[(modes[0].Name, concurrency)], off = results[(modes[1].Name, concurrency)];
            Console.WriteLine($"concurrency {concurrency}: on/off requests/s ×{on.RequestsPerSecond / off.RequestsPerSecond:0.00}, p95 ×{on.P95 / off.P95:0.00}");
        }

        double alone = OrtAlone(model, variant, images, batchSizes, TimeSpan.FromSeconds(seconds));
        double served = results[(modes[0].Name, Concurrencies[^1])].RequestsPerSecond;
        Console.WriteLine($"ONNX Runtime alone ({variant}, the server's {batchSizes.Count} batches of mean size {batchSizes.Average():0.0} at concurrency {Concurrencies[^1]}, in a loop): {alone:0.0} images/s");
        Console.WriteLine($"ratio server (batching on, concurrency {Concurrencies[^1]}) / ONNX Runtime alone: {served / alone:0.00} (target ≥ 0.8)");
        return 0;
    }

    /// <summary>Records every batch size the server's batchers run while the result is not disposed.</summary>
    static MeterListener BatchSizes(List<int> sizes)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ServerMeter && instrument.Name == "kodiak.batch.size")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) =>
        {
            lock (sizes)
                sizes.Add(size);
        });
        listener.Start();
        return listener;
    }

    /// <summary>
    /// Images/s of an ONNX Runtime session of the served variant (the Predictor's settings) running <paramref name="sizes"/>
    /// batches of preprocessed images in turn, for <paramref name="duration"/>: the model's own rate, without HTTP or decoding.
    /// </summary>
    static double OrtAlone(string model, string variant, byte[][] encoded, IReadOnlyList<int> sizes, TimeSpan duration)
    {
        var bundle = ModelBundle.Open(model);
        var (width, height) = (bundle.Manifest.Input.Width, bundle.Manifest.Input.Height);
        var transforms = TransformRecipe.FromJson(bundle.Manifest.ItemTransforms, model);
        int length = 3 * width * height, largest = sizes.Max();
        var pixels = new float[largest * length];
        for (int i = 0; i < largest; i++)
            ItemPipeline.Load(encoded[i % encoded.Length], transforms, ItemContext.Validation()).ToChwFloats(pixels.AsSpan(i * length, length));
        using var options = new OrtSessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(bundle.ReadOnnxModel(variant), options);
        using var run = new RunOptions();
        void Batch(int size)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(0, size * length), [size, 3, height, width]);
            using var outputs = session.Run(run, [OnnxTensors.Input], [input], [OnnxTensors.Probabilities]);
        }

        Batch(largest); // warm-up
        long images = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.Elapsed < duration; i++)
        {
            Batch(sizes[i % sizes.Count]);
            images += sizes[i % sizes.Count];
        }

        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary><paramref name="concurrency"/> clients each posting one image after another for <paramref name="duration"/>.</summary>
    internal static async Task<Round> Load(HttpClient client, byte[][] images, int concurrency, TimeSpan duration)
    {
        var latencies = new List<double>[concurrency];
        int failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = [];
            for (int i = worker; clock.Elapsed < duration; i += concurrency)
            {
                using var body = new ByteArrayContent(images[i % images.Length]);
                body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                long start = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync("/api/predict", body);
                if (!response.IsSuccessStatusCode)
                    Interlocked.Increment(ref failures);
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }));
        double elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        if (failures > 0)
            throw new InvalidOperationException($"{failures} of {all.Length} requests failed at concurrency {concurrency}");
        return new Round(elapsed, all);
    }

    internal sealed record Round(double Seconds, double[] LatenciesMs);

    internal sealed record Cell(double RequestsPerSecond, double P50, double P95)
    {
        public static Cell Of(IReadOnlyList<Round> rounds)
        {
            var all = rounds.SelectMany(r => r.LatenciesMs).ToArray();
            return new Cell(all.Length / rounds.Sum(r => r.Seconds), Stats.Percentile(all, 0.50), Stats.Percentile(all, 0.95));
        }

        public override string ToString() => $"{RequestsPerSecond:0.0} requests/s, p50 {P50:0.0} ms, p95 {P95:0.0} ms";
    }
}
