using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Kodiak.Bundle;
using Kodiak.Vision.Files;

namespace Kodiak.Bench;

/// <summary>
/// Cold start of <c>kodiak serve</c>: from starting the process to the first answered <c>POST /api/predict</c>, int8
/// and fp32 taking turns, each run a fresh process (what a replica scaling out or a restarted one costs).
/// </summary>
internal static class ColdStartBenchmark
{
    public static async Task<int> Run(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("coldstart: give the bundle, e.g. out/model.kodiak (kodiak export --int8 adds its int8 model).");
            return 2;
        }

        string model = Path.GetFullPath(args[0]);
        int runs = Cli.Option(args, "--runs", 5);
        int k = Array.IndexOf(args, "--kodiak");
        string kodiak = Path.GetFullPath(k >= 0 && k + 1 < args.Length ? args[k + 1] : Path.Combine("src", "Kodiak.Cli", "bin", "Release", "net10.0", "kodiak"));
        if (!File.Exists(kodiak))
        {
            Console.Error.WriteLine($"coldstart: no kodiak executable at '{kodiak}': build it (dotnet build -c Release src/Kodiak.Cli) or pass --kodiak PATH.");
            return 2;
        }

        byte[] image = File.ReadAllBytes(ImageFiles.Get(Path.Combine("samples", "clipart"))[0]);
        string[] precisions = ModelBundle.Open(model).Manifest.Variants.ContainsKey(ModelBundle.Int8Variant)
            ? [ModelBundle.Int8Variant, ModelBundle.DefaultVariant]
            : [ModelBundle.DefaultVariant];
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; kodiak: {kodiak}; model: {model}; {runs} runs per precision, taking turns");
        var times = precisions.ToDictionary(p => p, _ => new List<double>());
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int run = 0; run < runs; run++)
            foreach (string precision in precisions)
                times[precision].Add(await Once(client, kodiak, model, precision, image));
        foreach (string precision in precisions)
            Console.WriteLine($"cold start {precision}: p50 {Stats.Percentile(times[precision], 0.50):0} ms, min {times[precision].Min():0} ms, max {times[precision].Max():0} ms");
        return 0;
    }

    /// <summary>Milliseconds from starting <c>kodiak serve</c> to its first successful prediction; the process is then stopped.</summary>
    static async Task<double> Once(HttpClient client, string kodiak, string model, string precision, byte[] image)
    {
        int port = FreePort();
        var start = new ProcessStartInfo(kodiak, ["serve", model, "--precision", precision, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {kodiak}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"kodiak serve --precision {precision} exited with code {process.ExitCode} before answering");
                if (clock.Elapsed > TimeSpan.FromMinutes(2))
                    throw new TimeoutException($"kodiak serve --precision {precision} did not answer within 2 minutes");
                try
                {
                    using var body = new ByteArrayContent(image);
                    body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                    using var response = await client.PostAsync($"http://127.0.0.1:{port}/api/predict", body);
                    if (response.StatusCode == HttpStatusCode.OK)
                        return clock.Elapsed.TotalMilliseconds;
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(10);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
