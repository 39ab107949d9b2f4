using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Kodiak.Monitoring;
using Kodiak.Testing;
using Kodiak.Testing.Training;
using static Kodiak.Cli.Tests.Listening;

namespace Kodiak.Cli.Tests.Commands;

/// <summary><c>kodiak serve --log</c>: its options, and what a killed server leaves in the log.</summary>
[Collection(TrainedSampleFixture.Collection)]
public sealed class ServeLogTests(TrainedSampleFixture fixture) : IDisposable
{
    readonly TempFolder _folder = new();

    [Fact]
    public async Task Kill_9_of_the_server_loses_at_most_the_rows_of_its_last_second_of_answers()
    {
        string log = Path.Combine(_folder.Path, "predictions.db");
        string url = $"http://127.0.0.1:{FreePort()}";
        var output = new StringBuilder();
        using var serve = StartServe(output, fixture.Bundle, "--urls", url, "--log", log);
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        await Listening.WaitUntilUp(client, () => Task.FromResult(serve.HasExited ? $"kodiak serve: {output}" : null));
        var images = fixture.Validation.Paths.Take(8).Select(File.ReadAllBytes).ToArray();
        var answeredAt = new ConcurrentQueue<long>();
        int sent = 0;
        bool killed = false;
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            for (int i = worker; !stop.IsCancellationRequested && i < 100_000; i += 8)
            {
                using var body = new ByteArrayContent(images[i % images.Length]);
                body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                Interlocked.Increment(ref sent);
                try
                {
                    using var response = await client.PostAsync("/api/predict", body, stop.Token);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    answeredAt.Enqueue(Stopwatch.GetTimestamp());
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException && Volatile.Read(ref killed))
                {
                    return; // the server is gone
                }
            }
        })));

        // Killed while the load goes on, once a few hundred answers are in.
        for (int waited = 0; answeredAt.Count < 400; waited += 20)
        {
            Assert.True(waited < 120_000 && !load.IsCompleted, $"400 answers did not come: {output}");
            await Task.Delay(20);
        }

        long killedAt = Stopwatch.GetTimestamp();
        Volatile.Write(ref killed, true);
        serve.Kill(); // SIGKILL: no shutdown, no draining
        await serve.WaitForExitAsync();
        await stop.CancelAsync();
        await load;

        long answered = answeredAt.Count(t => t <= killedAt);
        long inLastSecond = answeredAt.Count(t => t <= killedAt && t > killedAt - Stopwatch.Frequency);
        await using var opened = PredictionLog.Open(log);
        long rows = await opened.CountAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1));
        Assert.True(rows >= answered - inLastSecond && rows <= sent,
            $"{rows} rows after {answered} answers ({inLastSecond} in the last second before the kill) and {sent} requests");
    }

    [Fact]
    public async Task A_log_in_a_missing_folder_is_a_clear_error_naming_the_option()
    {
        string missing = Path.Combine(_folder.Path, "no-such-folder");

        var (code, _, error) = await CliRunner.RunAsync("serve", fixture.Bundle, "--urls", "http://127.0.0.1:0", "--log", Path.Combine(missing, "log.db"));

        Assert.Equal(1, code);
        Assert.Contains("--log", error);
        Assert.Contains(missing, error);
    }

    [Fact]
    public async Task Log_days_without_a_log_is_a_clear_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("serve", fixture.Bundle, "--urls", "http://127.0.0.1:0", "--log-days", "7");

        Assert.Equal(1, code);
        Assert.Contains("--log-days", error);
        Assert.Contains("--log FILE.db", error);
    }

    /// <summary><c>kodiak serve</c> as a process of its own, so that it can be killed; what it prints goes to <paramref name="output"/>.</summary>
    static Process StartServe(StringBuilder output, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kodiak.dll"));
        start.ArgumentList.Add("serve");
        foreach (string a in args)
            start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    static void Append(StringBuilder output, string? line)
    {
        lock (output)
            output.AppendLine(line);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
