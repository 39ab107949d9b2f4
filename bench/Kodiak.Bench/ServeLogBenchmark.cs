using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kodiak.Server;
using Kodiak.Vision.Files;
using Microsoft.AspNetCore.Builder;

namespace Kodiak.Bench;

/// <summary>
/// Requests/s of <c>POST /api/predict</c> with the prediction log on (SQLite in a temp folder) against off, in one run:
/// two servers side by side, taking turns in short rounds; and whether the log kept up (rows written by the end of the
/// load against requests answered, rows dropped).
/// </summary>
internal static class ServeLogBenchmark
{
    static readonly int[] Concurrencies = [8, 32];

    const int Rounds = 4;

    public static async Task<int> Run(string[] args)
    {
        if (ServeArgs.Parse("serve-log", args) is not { } parsed)
            return 2;
        var (model, folder, seconds, _) = parsed;

        var images = ImageFiles.Get(folder).Select(File.ReadAllBytes).ToArray();
        var temp = Directory.CreateTempSubdirectory("kodiak-bench-log-");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"model:   {model}; images: {images.Length} from {folder}; {seconds} s per cell in {Rounds} rounds, the modes taking turns, after 1 s warm-up");
        string[] modes = ["off", "on"];
        var apps = new List<WebApplication>();
        var clients = new List<HttpClient>();
        foreach (string mode in modes)
        {
            var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions
            {
                Model = model,
                QueueCapacity = 256,
                Log = mode == "on" ? Path.Combine(temp.FullName, "predictions.db") : null,
            });
            await app.StartAsync();
            apps.Add(app);
            clients.Add(new HttpClient { BaseAddress = new Uri(app.Urls.Single()) });
        }

        var results = new Dictionary<(string, int), ServeBenchmark.Cell>();
        long answeredOn = 0;
        foreach (int concurrency in Concurrencies)
        {
            var rounds = modes.Select(_ => new List<ServeBenchmark.Round>()).ToArray();
            for (int m = 0; m < modes.Length; m++)
                answeredOn += m == 1 ? (await ServeBenchmark.Load(clients[m], images, concurrency, TimeSpan.FromSeconds(1))).LatenciesMs.Length : 0;
            for (int round = 0; round < Rounds; round++)
            {
                for (int m = 0; m < modes.Length; m++)
                {
                    var done = await ServeBenchmark.Load(clients[m], images, concurrency, TimeSpan.FromSeconds(seconds / Rounds));
                    rounds[m].Add(done);
                    if (m == 1)
                        answeredOn += done.LatenciesMs.Length;
                }
            }

            for (int m = 0; m < modes.Length; m++)
            {
                var cell = results[(modes[m], concurrency)] = ServeBenchmark.Cell.Of(rounds[m]);
                Console.WriteLine($"log {modes[m]}, concurrency {concurrency}: {cell}");
            }
        }

        // Read at once, before stopping drains the queue: what the log had written by the end of the load.
        var health = await clients[1].GetFromJsonAsync<JsonElement>("/healthz");
        var sinks = health.GetProperty("checks").GetProperty("prediction-sinks").GetProperty("data");
        long written = sinks.GetProperty("prediction-log.written").GetInt64();
        long queued = sinks.GetProperty("prediction-log.queued").GetInt64();
        long dropped = sinks.GetProperty("prediction-log.queueFull").GetInt64() + sinks.GetProperty("prediction-log.failed").GetInt64();
        await ServeArgs.StopAsync(apps, clients);

        Console.WriteLine();
        Console.WriteLine("| concurrency | log | requests/s | p50 ms | p95 ms |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: |");
        foreach (int concurrency in Concurrencies)
        {
            foreach (string mode in modes)
            {
                var cell = results[(mode, concurrency)];
                Console.WriteLine($"| {concurrency} | {mode} | {cell.RequestsPerSecond:0.0} | {cell.P50:0.0} | {cell.P95:0.0} |");
            }
        }

        Console.WriteLine();
        foreach (int concurrency in Concurrencies)
            Console.WriteLine($"concurrency {concurrency}: on/off requests/s ×{results[("on", concurrency)].RequestsPerSecond / results[("off", concurrency)].RequestsPerSecond:0.00}");
        Console.WriteLine($"log: {written} rows written by the end of the load for {answeredOn} answers ({queued} queued, {dropped} dropped)");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        temp.Delete(recursive: true);
        return 0;
    }
}
