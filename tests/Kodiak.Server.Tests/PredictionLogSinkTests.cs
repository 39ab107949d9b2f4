using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Kodiak.Monitoring;
using Kodiak.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

/// <summary><c>kodiak serve --log</c>'s app on Kestrel at 127.0.0.1, writing to a real SQLite file or a real PostgreSQL server.</summary>
[Collection(ServerFixture.Collection)]
public sealed class PredictionLogSinkTests(ServerFixture server, PostgresCluster postgres) : IClassFixture<PostgresCluster>, IDisposable
{
    readonly TempFolder _folder = new();

    string NewLog(string kind) => kind == "sqlite" ? Path.Combine(_folder.Path, $"{Guid.NewGuid():N}.db") : postgres.CreateDatabase();

    async Task<(WebApplication App, HttpClient Client)> StartAsync(string log, Action<ServeOptions>? options = null)
    {
        var serve = new ServeOptions { Model = server.Sample.Bundle, Log = log, QueueCapacity = 64 };
        options?.Invoke(serve);
        var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], serve);
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.Single()) });
    }

    byte[][] Images() => [.. server.Sample.Validation.Paths.Take(8).Select(File.ReadAllBytes)];

    static async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] image, string? requestId = null)
    {
        using var body = new ByteArrayContent(image);
        body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = body };
        if (requestId is not null)
            request.Headers.Add("X-Request-Id", requestId);
        return await client.SendAsync(request);
    }

    static async Task PostOkAsync(HttpClient client, byte[] image)
    {
        using var response = await PostAsync(client, image);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    static async Task<List<LoggedPrediction>> RowsAsync(string log)
    {
        await using var opened = PredictionLog.Open(log);
        return await opened.ReadAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1)).ToListAsync();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task After_1000_requests_at_concurrency_32_the_log_has_a_row_for_each(string kind)
    {
        string log = NewLog(kind);
        var (app, client) = await StartAsync(log);
        var images = Images();
        var answered = new ConcurrentDictionary<string, string>();
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < 1000;)
            {
                using var response = await PostAsync(client, images[i % images.Length], $"request-{i}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answered[$"request-{i}"] = (await Json(response)).GetProperty("label").GetString()!;
            }
        }));
        // Stopping drains the sink's queue into the log.
        await app.StopAsync();
        await app.DisposeAsync();
        client.Dispose();

        var rows = await RowsAsync(log);

        Assert.Equal(1000, rows.Count);
        Assert.Equal(answered.OrderBy(a => a.Key), rows.Select(r => KeyValuePair.Create(r.RequestId, r.Label)).OrderBy(a => a.Key));
        var first = rows[0];
        Assert.Equal(("clipart", "primary", 3), (first.ModelId, first.Role, first.Probabilities.Count));
        Assert.Matches("^[0-9a-f]{64}$", first.ImageSha256);
        Assert.Null(first.ImagePath);
        Assert.All(rows, r => Assert.InRange(r.LatencyMs, 0.001, 60_000));
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.Time <= p.Second.Time));
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task With_log_before_answer_each_answered_prediction_is_in_the_log_when_its_answer_arrives(string kind)
    {
        string log = NewLog(kind);
        var (app, client) = await StartAsync(log, o => o.LogBeforeAnswer = true);
        var images = Images();
        try
        {
            for (int i = 0; i < 12; i++)
            {
                using var response = await PostAsync(client, images[i % images.Length], $"request-{i}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                string label = (await Json(response)).GetProperty("label").GetString()!;

                // Read while the server still runs: the row was committed before the answer left.
                var row = Assert.Single(await RowsAsync(log), r => r.RequestId == $"request-{i}");
                Assert.Equal(label, row.Label);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            client.Dispose();
        }
    }

    [Fact]
    public void Log_before_answer_without_a_log_is_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => new ServeOptions { Model = server.Sample.Bundle, LogBeforeAnswer = true }.Validate());

        Assert.Contains("--log-before-answer", error.Message);
    }

    [Fact]
    public async Task While_PostgreSQL_is_down_predictions_answer_healthz_is_degraded_and_the_rows_are_written_when_it_returns()
    {
        string log = NewLog("postgres");
        var (app, client) = await StartAsync(log);
        var images = Images();
        var sink = app.Services.GetRequiredService<PredictionLogSink>();
        try
        {
            for (int i = 0; i < 10; i++)
                await PostOkAsync(client, images[i % images.Length]);
            await Eventually(() => sink.Written == 10, "the first 10 rows written");

            postgres.Stop();
            for (int i = 0; i < 40; i++)
                await PostOkAsync(client, images[i % images.Length]);
            await Eventually(() => sink.Failing is not null, "the sink noticing the outage");
            var health = await client.GetJson("/healthz");
            Assert.Equal("Degraded", health.GetProperty("status").GetString());
            var check = health.GetProperty("checks").GetProperty("prediction-log");
            Assert.Equal("Degraded", check.GetProperty("status").GetString());
            Assert.Contains("cannot be written", check.GetProperty("description").GetString());
            Assert.True(sink.Written < 50);

            postgres.Start();
            await Eventually(() => sink.Written == 50, "the waiting rows written after PostgreSQL came back");
            Assert.Null(sink.Failing);
            Assert.Equal("Healthy", (await client.GetJson("/healthz")).GetProperty("status").GetString());
        }
        finally
        {
            postgres.Start(); // up again for the other tests, should an assertion have failed while it was down
            await app.StopAsync();
            await app.DisposeAsync();
            client.Dispose();
        }

        Assert.Equal(50, (await RowsAsync(log)).Count);
    }

    [Fact]
    public async Task The_monitor_reports_what_the_log_holds()
    {
        string log = NewLog("sqlite");
        var (app, client) = await StartAsync(log);
        var images = Images();
        var sink = app.Services.GetRequiredService<PredictionLogSink>();
        try
        {
            for (int i = 0; i < 12; i++)
                await PostOkAsync(client, images[i % images.Length]);
            await Eventually(() => sink.Written == 12, "the 12 rows written");

            using var answer = await client.GetAsync("/api/monitor?since=1h");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            var report = await Json(answer);
            Assert.Equal(12, report.GetProperty("total").GetInt32());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            client.Dispose();
        }
    }

    [Fact]
    public async Task Kept_images_are_named_by_their_SHA_256_once_and_the_rows_name_the_files()
    {
        string log = NewLog("sqlite"), kept = Path.Combine(_folder.Path, "kept");
        var (app, client) = await StartAsync(log, o => o.KeepImages = kept);
        var images = Images();
        foreach (byte[] image in (byte[][])[images[0], images[1], images[0]])
            await PostOkAsync(client, image);
        await app.StopAsync();
        await app.DisposeAsync();
        client.Dispose();

        var rows = await RowsAsync(log);

        Assert.Equal(2, Directory.GetFiles(kept).Length);
        Assert.Equal(3, rows.Count);
        foreach (var row in rows)
        {
            Assert.Equal(Path.Combine(kept, row.ImageSha256 + ".jpg"), row.ImagePath);
            Assert.Equal(row.ImageSha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(row.ImagePath!))));
        }
    }

    [Fact]
    public async Task Log_days_deletes_the_rows_older_than_that()
    {
        string log = NewLog("sqlite");
        var now = DateTimeOffset.UtcNow;
        await using (var opened = PredictionLog.Open(log))
        {
            await opened.WriteAsync([Row(now.AddDays(-3), "three-days-old"), Row(now.AddHours(-23), "yesterday")]);
        }

        await using (var sink = new PredictionLogSink(new ServeOptions { Log = log, LogDays = 1 }, TimeProvider.System, NullLogger<PredictionLogSink>.Instance))
        {
            await sink.WriteAsync([new PredictionRecord("now", now, "clipart", "v", ModelRole.Primary, "food",
                new Dictionary<string, float> { ["food"] = 1 }, null, TimeSpan.FromMilliseconds(3), null, "00")], CancellationToken.None);
        }

        Assert.Equal(["yesterday", "now"], (await RowsAsync(log)).Select(r => r.RequestId));
    }

    [Theory]
    [InlineData("missing-folder")]
    [InlineData("Host=127.0.0.1;Port=1;Username=kodiak;Timeout=3")]
    [InlineData("Hots=127.0.0.1")]
    public void A_log_that_cannot_be_opened_stops_the_start_naming_the_option(string log)
    {
        if (log == "missing-folder")
            log = Path.Combine(_folder.Path, "no-such-folder", "log.db");

        var error = Assert.Throws<ArgumentException>(() => KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions { Model = server.Sample.Bundle, Log = log }));

        Assert.StartsWith("--log: ", error.Message);
    }

    [Fact]
    public void A_missing_model_with_a_log_is_still_reported_as_the_missing_model()
    {
        string missing = Path.Combine(_folder.Path, "nothing-here.kodiak");

        var error = Assert.Throws<FileNotFoundException>(() => KodiakServer.Build(["--urls", "http://127.0.0.1:0"],
            new ServeOptions { Model = missing, Log = Path.Combine(_folder.Path, "log.db") }));

        Assert.Contains("nothing-here.kodiak", error.Message);
    }

    static LoggedPrediction Row(DateTimeOffset time, string id) =>
        new(time, id, "clipart", "v", "primary", "food", new Dictionary<string, float> { ["food"] = 1 }, null, null, 1, null, "00", null);

    /// <summary>Waits for <paramref name="condition"/>, failing after 60 s: for what the background sink does in its own time.</summary>
    static async Task Eventually(Func<bool> condition, string what)
    {
        for (var waited = TimeSpan.Zero; !condition(); waited += TimeSpan.FromMilliseconds(50))
        {
            if (waited > TimeSpan.FromSeconds(60))
                Assert.Fail($"Waited 60 s for {what}.");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
