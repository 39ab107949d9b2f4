using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Kodiak.Monitoring;
using Kodiak.Testing;

namespace Kodiak.ServeHost.Tests;

/// <summary>
/// The real parts: three replicas of the published kodiak-serve on one throwaway PostgreSQL, Debian's nginx in front of them,
/// and two of them taken away under load, one with <c>kill -9</c> and one with SIGTERM.
/// </summary>
[Collection(PublishedServer.Collection)]
public sealed class ScaleOutTests(PublishedServer server) : IDisposable
{
    const int Requests = 2000;
    const int Concurrency = 32;

    readonly TempFolder _folder = new();

    [Fact]
    public async Task Every_request_through_nginx_is_answered_and_logged_once_while_one_replica_is_killed_and_another_terminated()
    {
        string bundle = ColourModel.Write(Path.Combine(_folder.Path, "colours.kodiak"));
        using var postgres = new PostgresCluster();
        string log = postgres.CreateDatabase();
        var replicas = new List<Replica>();
        var answered = new ConcurrentDictionary<string, string>();
        try
        {
            for (int i = 0; i < 3; i++)
                replicas.Add(await Replica.StartAsync(server, "--Model", bundle, "--Log", log, "--LogBeforeAnswer", "true"));
            using var nginx = new Nginx(replicas.Select(r => r.Port));
            using var client = new HttpClient { BaseAddress = nginx.Url, Timeout = TimeSpan.FromSeconds(60) };

            var failures = new ConcurrentQueue<string>();
            int next = -1;
            int ok = 0;
            Task<int>? terminated = null;
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
            {
                for (int i; (i = Interlocked.Increment(ref next)) < Requests;)
                {
                    if (i == Requests / 3)
                        replicas[0].Kill();
                    if (i == 2 * Requests / 3)
                    {
                        replicas[1].Terminate();
                        terminated = replicas[1].WaitForExitAsync(TimeSpan.FromSeconds(60));
                    }

                    var (label, png) = ColourImages.All[i % ColourImages.All.Count];
                    using var response = await ColourImages.PredictAsync(client, png);
                    string body = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{i}: {(int)response.StatusCode} {body}");
                        continue;
                    }

                    Interlocked.Increment(ref ok);
                    using var answer = JsonDocument.Parse(body);
                    Assert.Equal(label, answer.RootElement.GetProperty("label").GetString());
                    // nginx's $request_id, which the replica logged and echoed.
                    Assert.True(answered.TryAdd(answer.RootElement.GetProperty("requestId").GetString()!, label));
                }
            })));

            Assert.True(failures.IsEmpty, $"{failures.Count} of {Requests} requests failed: {string.Join("; ", failures.Take(5))}\n{nginx.ErrorLog}");
            Assert.Equal(Requests, ok);
            Assert.Equal(Requests, answered.Count);
            // SIGTERM: the replica drained and exited by itself, well inside its shutdown bound.
            Assert.Equal(0, await terminated!);
            Assert.Contains("upstream", nginx.ErrorLog); // nginx met the killed and the stopped replica, and moved on
        }
        finally
        {
            foreach (var replica in replicas)
                replica.Dispose();
        }

        await using var opened = PredictionLog.Open(log);
        var rows = await opened.ReadAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1)).ToListAsync();
        // Each answered prediction once, with the label it was answered with; nothing else.
        Assert.Equal(answered.OrderBy(a => a.Key), rows.Select(r => KeyValuePair.Create(r.RequestId, r.Label)).OrderBy(a => a.Key));
        Assert.All(rows, r => Assert.Equal("primary", r.Role));
    }

    public void Dispose() => _folder.Dispose();
}
