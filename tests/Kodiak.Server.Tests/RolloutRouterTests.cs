using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.Extensions.DependencyInjection;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

/// <summary>Shadow, canary, promote and roll-back on the hand-made colour model, as a primary ("colours") and a candidate ("candidate").</summary>
public sealed class RolloutRouterTests : IDisposable
{
    static readonly TimeSpan Guard = TimeSpan.FromMinutes(1);

    readonly TempFolder _temp = new();
    readonly string _primary;
    readonly string _candidate;
    readonly byte[] _red = ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png);

    public RolloutRouterTests()
    {
        _primary = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"));
        _candidate = ColourModel.Write(Path.Combine(_temp.Path, "candidate.kodiak"), dataFolder: "candidate");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_shadow_predicts_every_request_but_the_primary_gives_every_answer()
    {
        var sink = new CollectingSink();
        await using var serving = await ServingApp.StartAsync(_primary, s => s.AddSingleton<IPredictionSink>(sink), o => o.Shadow = _candidate);

        var answers = new List<(string Id, string Model, string Header, string Label)>();
        for (int i = 0; i < 6; i++)
        {
            using var response = await serving.Client.SendAsync(Post($"req-{i}", null));
            var json = await Json(response);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((json.GetProperty("requestId").GetString()!, json.GetProperty("model").GetProperty("name").GetString()!,
                response.Headers.GetValues(PredictApi.ModelHeader).Single(), json.GetProperty("label").GetString()!));
        }

        var records = await sink.Take(12);
        Assert.All(answers, a => Assert.Equal(("colours", "red"), (a.Model, a.Label)));
        Assert.All(answers, a => Assert.StartsWith("colours@", a.Header));
        foreach (var answer in answers)
        {
            var roles = records.Where(r => r.RequestId == answer.Id).Select(r => (r.ModelId, r.Role, r.Label)).Order().ToArray();
            Assert.Equal([("candidate", ModelRole.Shadow, "red"), ("colours", ModelRole.Primary, "red")], roles);
        }
    }

    [Fact]
    public async Task A_canary_for_named_sources_answers_them_and_says_so()
    {
        await using var serving = await ServingApp.StartAsync(_primary, options: o =>
        {
            o.Canary = _candidate;
            o.CanarySources = ["cam-3", "cam-7"];
        });

        foreach (var (source, model, role) in new[] { ("cam-3", "candidate", "canary"), ("cam-4", "colours", "primary"), ("cam-7", "candidate", "canary"), ("cam-3", "candidate", "canary") })
        {
            using var response = await serving.Client.SendAsync(Post("r", source));
            var json = await Json(response);
            Assert.Equal(model, json.GetProperty("model").GetProperty("name").GetString());
            Assert.Equal(role, json.GetProperty("model").GetProperty("role").GetString());
            Assert.StartsWith(model + "@", response.Headers.GetValues(PredictApi.ModelHeader).Single());
        }
    }

    [Fact]
    public async Task A_candidate_of_another_input_size_is_refused_at_start_with_the_reason()
    {
        string bigger = ColourModel.Write(Path.Combine(_temp.Path, "bigger.kodiak"), size: 32);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ServingApp.StartAsync(_primary, options: o => o.Shadow = bigger));

        Assert.Contains("input size 32×32 is not the primary's 16×16", error.Message);
    }

    [Fact]
    public async Task A_missing_or_broken_candidate_is_refused_at_start()
    {
        string broken = Path.Combine(_temp.Path, "broken.kodiak");
        await File.WriteAllTextAsync(broken, "not a bundle");

        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => ServingApp.StartAsync(_primary, options: o => { o.Canary = "nowhere.kodiak"; o.CanaryPercent = 10; }));
        var bad = await Assert.ThrowsAsync<InvalidDataException>(() => ServingApp.StartAsync(_primary, options: o => o.Shadow = broken));

        Assert.Contains("candidate (--canary) nowhere.kodiak does not exist", missing.Message);
        Assert.Contains("candidate (--shadow)", bad.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(100.5)]
    [InlineData(double.NaN)]
    public void A_canary_percent_outside_0_to_100_is_refused(double percent)
    {
        var options = new ServeOptions { Model = _primary, Canary = _candidate, CanaryPercent = percent };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Contains("from 0 to 100 percent", error.Message);
    }

    [Fact]
    public async Task Promote_with_nothing_to_promote_and_rollback_with_nothing_to_roll_back_are_refused()
    {
        await using var serving = await StartWithAdminAsync(o => o.Shadow = _candidate);

        await AssertProblem(await Admin(serving, "rollback"), HttpStatusCode.Conflict, "Nothing to roll back");
        using var promoted = await Admin(serving, "promote");
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        await AssertProblem(await Admin(serving, "promote"), HttpStatusCode.Conflict, "No candidate to promote");
        using var answer = await serving.Client.SendAsync(Post("r", null));
        Assert.StartsWith("candidate@", answer.Headers.GetValues(PredictApi.ModelHeader).Single());
    }

    [Fact]
    public async Task A_server_started_without_a_candidate_has_nothing_to_promote_drop_or_compare()
    {
        await using var serving = await StartWithAdminAsync(_ => { });

        await AssertProblem(await Admin(serving, "promote"), HttpStatusCode.Conflict, "No candidate to promote");
        await AssertProblem(await serving.Client.DeleteAsync("/api/admin/candidate"), HttpStatusCode.Conflict, "No candidate to drop");
        var report = await serving.Client.GetJson("/api/rollout");
        Assert.Equal(JsonValueKind.Null, report.GetProperty("candidate").ValueKind);
        Assert.Contains("kodiak rollout load", report.GetProperty("note").GetString());
    }

    [Fact]
    public async Task A_candidate_loaded_while_serving_shadows_every_request_until_it_is_dropped()
    {
        var sink = new CollectingSink();
        await using var serving = await StartWithAdminAsync(_ => { }, services: s => s.AddSingleton<IPredictionSink>(sink));

        using var loaded = await LoadCandidate(serving, new { bundle = _candidate, role = "shadow" });
        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        Assert.Equal(("candidate", "shadow"), Named((await Json(loaded)).GetProperty("candidate")));
        (await serving.Client.SendAsync(Post("shadowed", null))).Dispose();
        var shadowed = await sink.Take(2);
        using var dropped = await serving.Client.DeleteAsync("/api/admin/candidate");
        (await serving.Client.SendAsync(Post("alone", null))).Dispose();
        var alone = await sink.Take(1);

        Assert.Equal([("candidate", ModelRole.Shadow), ("colours", ModelRole.Primary)], shadowed.Select(r => (r.ModelId, r.Role)).Order());
        Assert.Equal(HttpStatusCode.OK, dropped.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await Json(dropped)).GetProperty("candidate").ValueKind);
        Assert.Equal(("alone", "colours", ModelRole.Primary), (alone[0].RequestId, alone[0].ModelId, alone[0].Role));
        await AssertProblem(await serving.Client.DeleteAsync("/api/admin/candidate"), HttpStatusCode.Conflict, "No candidate to drop");
    }

    [Fact]
    public async Task Candidates_that_cannot_stand_in_are_refused_with_the_reason_while_the_primary_keeps_answering()
    {
        string broken = Path.Combine(_temp.Path, "broken.kodiak");
        await File.WriteAllTextAsync(broken, "not a bundle");
        string bigger = ColourModel.Write(Path.Combine(_temp.Path, "bigger.kodiak"), size: 32);
        string reordered = ColourModel.Write(Path.Combine(_temp.Path, "reordered.kodiak"), classes: ["blue", "green", "red"]);
        await using var serving = await StartWithAdminAsync(_ => { });
        var answeredBy = new ConcurrentQueue<(HttpStatusCode, string?)>();
        using var stop = new CancellationTokenSource(Guard);
        var client = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                using var response = await serving.Client.SendAsync(Post($"r{i}", $"cam-{i % 7}"));
                answeredBy.Enqueue((response.StatusCode, response.Headers.GetValues(PredictApi.ModelHeader).Single().Split('@')[0]));
            }
        });

        (object Body, HttpStatusCode Status, string Reason)[] refusals =
        [
            (new { bundle = Path.Combine(_temp.Path, "nowhere.kodiak"), role = "shadow" }, HttpStatusCode.BadRequest, "nowhere.kodiak does not exist"),
            (new { bundle = broken, role = "canary", percent = 10 }, HttpStatusCode.BadRequest, "is not a usable bundle"),
            (new { bundle = bigger, role = "shadow" }, HttpStatusCode.BadRequest, "input size 32×32 is not the primary's 16×16"),
            (new { bundle = reordered, role = "shadow" }, HttpStatusCode.BadRequest, "its classes (blue, green, red) are not the primary's (red, green, blue)"),
            (new { bundle = _candidate, role = "canary", percent = 100.5 }, HttpStatusCode.BadRequest, "from 0 to 100 percent"),
            (new { bundle = _candidate, role = "canary" }, HttpStatusCode.BadRequest, "Say which requests the canary answers"),
            (new { bundle = _candidate, role = "shadow", percent = 10 }, HttpStatusCode.BadRequest, "percent and sources are for a canary"),
            (new { bundle = _candidate, role = "primary" }, HttpStatusCode.BadRequest, "must be \"shadow\" or \"canary\""),
        ];
        foreach (var (body, status, reason) in refusals)
        {
            int before = answeredBy.Count;
            await AssertProblem(await LoadCandidate(serving, body), status, reason);
            await WaitFor(() => answeredBy.Count > before);
        }

        await stop.CancelAsync();
        await client;
        using var canary = await LoadCandidate(serving, new { bundle = _candidate, role = "canary", percent = 100 });
        await AssertProblem(await LoadCandidate(serving, new { bundle = _candidate, role = "shadow" }), HttpStatusCode.Conflict, "A candidate is loaded already");
        using var after = await serving.Client.SendAsync(Post("after", "cam-1"));

        Assert.Equal(HttpStatusCode.OK, canary.StatusCode);
        Assert.All(answeredBy, a => Assert.Equal((HttpStatusCode.OK, "colours"), a));
        Assert.StartsWith("candidate@", after.Headers.GetValues(PredictApi.ModelHeader).Single());
    }

    [Fact]
    public async Task Promote_and_rollback_under_32_concurrent_clients_lose_no_request()
    {
        await using var serving = await StartWithAdminAsync(o => o.Canary = _candidate, o => o.CanaryPercent = 0);
        // Phases: 0 before promote, 1 while it runs, 2 after it answered, 3 during rollback, 4 after. A request is routed
        // between its sending and its answer, so only the phases read then say which model must have answered it.
        int phase = 0;
        var answers = new ConcurrentQueue<(int Sent, int Answered, HttpStatusCode Status, string? Model)>();
        using var stop = new CancellationTokenSource(Guard);
        var clients = Enumerable.Range(0, 32).Select(c => Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                int sent = Volatile.Read(ref phase);
                using var response = await serving.Client.SendAsync(Post($"c{c}-{i}", $"client-{c}"));
                string? model = response.IsSuccessStatusCode ? (await Json(response)).GetProperty("model").GetProperty("name").GetString() : null;
                answers.Enqueue((sent, Volatile.Read(ref phase), response.StatusCode, model));
            }
        })).ToArray();

        foreach (string action in new[] { "promote", "rollback" })
        {
            await WaitFor(() => answers.Count(a => a.Sent == phase) >= 64);
            Interlocked.Increment(ref phase);
            using (var changed = await Admin(serving, action))
                Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Interlocked.Increment(ref phase);
        }

        await WaitFor(() => answers.Count(a => a.Sent == 4) >= 64);
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(answers.Count, answers.Count(a => a.Model is "colours" or "candidate"));
        Assert.All(answers.Where(a => a.Answered == 0 || a.Sent == 4), a => Assert.Equal("colours", a.Model));
        Assert.All(answers.Where(a => a.Sent == 2 && a.Answered == 2), a => Assert.Equal("candidate", a.Model));
        Assert.All(new[] { 0, 2, 4 }, p => Assert.Contains(answers, a => a.Sent == p && a.Answered == p));
    }

    [Fact]
    public async Task The_rollout_comparison_counts_agreement_on_the_requests_the_shadow_also_predicted()
    {
        await using var serving = await StartWithAdminAsync(o => o.Shadow = _candidate);
        for (int i = 0; i < 5; i++)
            (await serving.Client.SendAsync(Post($"req-{i}", "cam-1"))).Dispose();

        var report = await WaitForReport(serving, r => r.GetProperty("compared").GetInt32() == 5);

        Assert.Equal(1.0, report.GetProperty("agreement").GetDouble());
        var pair = Assert.Single(report.GetProperty("confusion").EnumerateArray());
        Assert.Equal(("red", "red", 5), (pair.GetProperty("primary").GetString(), pair.GetProperty("candidate").GetString(), pair.GetProperty("count").GetInt32()));
        Assert.Equal(("colours", 5), (report.GetProperty("primary").GetProperty("name").GetString(), report.GetProperty("primary").GetProperty("count").GetInt32()));
        var candidate = report.GetProperty("candidate");
        Assert.Equal(("candidate", "shadow", 5), (candidate.GetProperty("name").GetString(), candidate.GetProperty("role").GetString(), candidate.GetProperty("count").GetInt32()));
        Assert.True(candidate.GetProperty("meanConfidence").GetDouble() > 0.5);

        (await Admin(serving, "promote")).Dispose();
        var promoted = await serving.Client.GetJson("/api/rollout");
        Assert.Equal(("candidate", "colours", "previous"), (promoted.GetProperty("primary").GetProperty("name").GetString(),
            promoted.GetProperty("candidate").GetProperty("name").GetString(), promoted.GetProperty("candidate").GetProperty("role").GetString()));
    }

    [Fact]
    public async Task A_canary_is_compared_with_the_primary_on_the_requests_it_answers()
    {
        await using var serving = await StartWithAdminAsync(o => o.Canary = _candidate, o => o.CanarySources = ["cam-3"]);
        foreach (string source in new[] { "cam-3", "cam-4", "cam-4" })
        {
            using var answer = await serving.Client.SendAsync(Post("r-" + source, source));
            Assert.StartsWith(source == "cam-3" ? "candidate@" : "colours@", answer.Headers.GetValues(PredictApi.ModelHeader).Single());
        }

        // The primary answered two and predicted the canary's one off the answer path.
        var report = await WaitForReport(serving, r => r.GetProperty("primary").GetProperty("count").GetInt32() == 3);

        Assert.Equal(1, report.GetProperty("candidate").GetProperty("count").GetInt32());
        Assert.Equal(1, report.GetProperty("compared").GetInt32());
        Assert.Equal(1.0, report.GetProperty("agreement").GetDouble());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("note").ValueKind);
    }

    [Fact]
    public async Task The_rollout_comparison_gives_each_models_accuracy_on_the_requests_people_reviewed()
    {
        var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"],
            new ServeOptions { Model = _primary, Shadow = _candidate, Log = Path.Combine(_temp.Path, "log.db"), Review = true, ReviewSample = 1 });
        await using var _ = app;
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single().Replace("localhost", "127.0.0.1")) };
        for (int i = 0; i < 4; i++)
            (await client.SendAsync(Post($"req-{i}", null))).Dispose();
        var queue = app.Services.GetRequiredService<Kodiak.Monitoring.IReviewQueue>();
        await WaitFor(() => queue.CountPendingAsync().Result == 4);
        var items = await queue.PendingAsync(0, 4);
        foreach (var (item, status, label) in items.Zip(new (string, string?)[] { ("confirmed", null), ("confirmed", null), ("corrected", "blue"), ("none-of-these", null) })
                     .Select(p => (p.First, p.Second.Item1, p.Second.Item2)))
            (await client.PostAsJsonAsync($"/api/review/{item.Id}", new { status, label })).Dispose();

        var report = await client.GetJson("/api/rollout");

        foreach (string model in new[] { "primary", "candidate" })
        {
            var reviewed = report.GetProperty(model).GetProperty("reviewed");
            Assert.Equal((4, 2, 0.5), (reviewed.GetProperty("reviewed").GetInt32(), reviewed.GetProperty("correct").GetInt32(), reviewed.GetProperty("accuracy").GetDouble()));
            Assert.InRange(reviewed.GetProperty("low").GetDouble(), 0.01, 0.49);
            Assert.InRange(reviewed.GetProperty("high").GetDouble(), 0.51, 0.99);
        }
    }

    static async Task<JsonElement> WaitForReport(ServingApp serving, Func<JsonElement, bool> ready)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            var report = await serving.Client.GetJson("/api/rollout");
            if (ready(report))
                return report;
            await Task.Delay(10, guard.Token);
        }
    }

    Task<ServingApp> StartWithAdminAsync(Action<ServeOptions> options, Action<ServeOptions>? more = null, Action<IServiceCollection>? services = null) =>
        ServingApp.StartAsync(_primary,
            s =>
            {
                services?.Invoke(s);
                s.AddSingleton(new AdminToken(null, () => ["http://127.0.0.1:1"])).AddPredictionSink<RolloutComparison>();
            },
            o =>
            {
                options(o);
                more?.Invoke(o);
            },
            app => app.MapRolloutApi());

    static Task<HttpResponseMessage> Admin(ServingApp serving, string action) =>
        serving.Client.PostAsync($"/api/admin/{action}", new StringContent("{}", new MediaTypeHeaderValue("application/json")));

    static Task<HttpResponseMessage> LoadCandidate(ServingApp serving, object body) => serving.Client.PostAsJsonAsync("/api/admin/candidate", body);

    static (string?, string?) Named(JsonElement model) => (model.GetProperty("name").GetString(), model.GetProperty("role").GetString());

    static async Task WaitFor(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
            await Task.Delay(10, guard.Token);
    }

    HttpRequestMessage Post(string requestId, string? source)
    {
        var content = new ByteArrayContent(_red);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = content };
        request.Headers.Add(PredictApi.RequestIdHeader, requestId);
        if (source is not null)
            request.Headers.Add(PredictApi.SourceHeader, source);
        return request;
    }

    /// <summary>Keeps every record; <see cref="Take"/> waits for a number of them.</summary>
    sealed class CollectingSink : IPredictionSink
    {
        readonly BlockingCollection<PredictionRecord> _records = [];

        public string Name => "collecting";

        public bool WantsFeatures => false;

        public ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
        {
            foreach (var record in records)
                _records.Add(record, cancellation);
            return ValueTask.CompletedTask;
        }

        public Task<PredictionRecord[]> Take(int count) => Task.Run(() => Enumerable.Range(0, count)
            .Select(_ => _records.TryTake(out var record, Guard) ? record : throw new TimeoutException("Too few records reached the sink.")).ToArray());
    }
}
