using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
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
    public async Task A_server_of_one_model_refuses_to_promote()
    {
        await using var serving = await StartWithAdminAsync(_ => { });

        await AssertProblem(await Admin(serving, "promote"), HttpStatusCode.Conflict, "serves one model");
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
    public async Task A_canary_comparison_has_each_models_numbers_and_says_why_there_is_no_agreement()
    {
        await using var serving = await StartWithAdminAsync(o => o.Canary = _candidate, o => o.CanarySources = ["cam-3"]);
        foreach (string source in new[] { "cam-3", "cam-4", "cam-4" })
            (await serving.Client.SendAsync(Post("r-" + source, source))).Dispose();

        var report = await WaitForReport(serving, r => r.GetProperty("primary").GetProperty("count").GetInt32() == 2
                                                      && r.GetProperty("candidate").GetProperty("count").GetInt32() == 1);

        Assert.Equal(0, report.GetProperty("compared").GetInt32());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("agreement").ValueKind);
        Assert.Contains("needs a shadow", report.GetProperty("note").GetString());
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

    Task<ServingApp> StartWithAdminAsync(Action<ServeOptions> options, Action<ServeOptions>? more = null) =>
        ServingApp.StartAsync(_primary,
            s => s.AddSingleton(new AdminToken(null, () => ["http://127.0.0.1:1"])).AddPredictionSink<RolloutComparison>(),
            o =>
            {
                options(o);
                more?.Invoke(o);
            },
            app => app.MapRolloutApi());

    static Task<HttpResponseMessage> Admin(ServingApp serving, string action) =>
        serving.Client.PostAsync($"/api/admin/{action}", new StringContent("{}", new MediaTypeHeaderValue("application/json")));

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
