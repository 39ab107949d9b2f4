using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

public sealed class MonitorApiTests
{
    static readonly TimeSpan Guard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_report_lists_the_planted_alarm_with_its_class_and_hour()
    {
        await using var monitor = await MonitorApp.StartAsync();

        using var answer = await monitor.Client.GetAsync("/api/monitor?since=2d");
        var report = await Json(answer);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(24 * 200, report.GetProperty("total").GetInt32());
        var up = Assert.Single(report.GetProperty("alarms").EnumerateArray(), a => a.GetProperty("kind").GetString() == "ShareUp");
        Assert.Equal("grizzly", up.GetProperty("class").GetString());
        Assert.Equal(MonitorApp.ShiftAt, up.GetProperty("started").GetDateTimeOffset());
        var hours = report.GetProperty("hours").GetProperty("buckets");
        Assert.Equal(MonitorApp.DayStart, hours[0].GetProperty("start").GetDateTimeOffset());
        Assert.Equal(24 * 200, hours.EnumerateArray().Sum(b => b.GetProperty("count").GetInt32()));
        Assert.Equal(1 / 3.0, report.GetProperty("classes")[1].GetProperty("baselineShare").GetDouble(), 6);
    }

    [Fact]
    public async Task A_past_window_can_replace_the_baseline()
    {
        await using var monitor = await MonitorApp.StartAsync();
        string since = Uri.EscapeDataString(MonitorApp.ShiftAt.ToString("O"));
        string baselineSince = Uri.EscapeDataString(MonitorApp.DayStart.ToString("O"));

        using var answer = await monitor.Client.GetAsync($"/api/monitor?since={since}&baselineSince={baselineSince}&baselineUntil={since}");
        var report = await Json(answer);

        // Measured against the shifted hours' own past, grizzly's 80% is 2.4× the third it had: the alarm is at the report's first hour.
        Assert.StartsWith(Kodiak.Monitoring.MonitorTime.Format(MonitorApp.DayStart), report.GetProperty("baseline").GetProperty("description").GetString());
        var up = Assert.Single(report.GetProperty("alarms").EnumerateArray(), a => a.GetProperty("kind").GetString() == "ShareUp");
        Assert.Equal(MonitorApp.ShiftAt, up.GetProperty("started").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_range_that_is_no_time_is_400_with_what_is_accepted()
    {
        await using var monitor = await MonitorApp.StartAsync();

        using var answer = await monitor.Client.GetAsync("/api/monitor?since=yesterday");

        await AssertProblem(answer, HttpStatusCode.BadRequest, "since 'yesterday' is neither a time (2026-12-01, 2026-12-01T08:00Z) nor a span back from now (30m, 24h, 7d, 2w).");
    }

    [Fact]
    public async Task A_huge_range_answers_with_bounded_buckets()
    {
        await using var monitor = await MonitorApp.StartAsync();

        using var answer = await monitor.Client.GetAsync("/api/monitor?since=99999999999d&until=0001-01-01");
        using var huge = await monitor.Client.GetAsync("/api/monitor?since=0001-01-01");
        var report = await Json(huge);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("The range is empty", (await Json(answer)).GetProperty("messages")[0].GetString());
        Assert.Equal(24 * 200, report.GetProperty("total").GetInt32());
        // The range starts at the first prediction, not in the year 1.
        Assert.Equal(MonitorApp.DayStart, report.GetProperty("start").GetDateTimeOffset());
        Assert.InRange(report.GetProperty("hours").GetProperty("buckets").GetArrayLength(), 24, 25);
    }

    [Fact]
    public async Task Without_a_log_the_api_says_monitoring_needs_one()
    {
        await using var monitor = await MonitorApp.StartAsync(log: false);

        using var answer = await monitor.Client.GetAsync("/api/monitor");
        using var page = await monitor.Client.GetAsync("/monitor");

        await AssertProblem(answer, HttpStatusCode.ServiceUnavailable, MonitorReports.NoLog);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Off_loopback_the_page_and_api_need_the_admin_token()
    {
        await using var monitor = await MonitorApp.StartAsync("http://0.0.0.0:0", configure: m => m.Token = "monitor-secret");
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = monitor.Url };

        foreach (string path in new[] { "/monitor", "/monitor/monitor.js", "/api/monitor", "/api/monitor?token=wrong" })
        {
            using var refused = await browser.GetAsync(path);
            await AssertProblem(refused, HttpStatusCode.Unauthorized, "needs its admin token");
        }

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/monitor");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "monitor-secret");
        using var api = await browser.SendAsync(bearer);
        using var given = await browser.GetAsync("/monitor?token=monitor-secret");
        using var page = await browser.GetAsync("/monitor");

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Contains((await Json(api)).GetProperty("alarms").EnumerateArray(), a => a.GetProperty("class").GetString() == "grizzly");
        Assert.Equal(HttpStatusCode.Redirect, given.StatusCode);
        Assert.Equal("/monitor", given.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Kodiak monitor</title>", await page.Content.ReadAsStringAsync());
        Assert.EndsWith("/monitor?token=monitor-secret", KodiakMonitor.PageUrl(monitor.App));
    }

    [Fact]
    public async Task Each_alarm_is_posted_to_the_webhook_once()
    {
        await using var hook = await Webhook.StartAsync();
        await using var monitor = await MonitorApp.StartAsync(configure: m => m.AlertWebhook = hook.Url);

        // The check that runs at start posts the planted alarms; later checks find nothing new.
        var first = await hook.Posts.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        var again = await monitor.Alarms.CheckAsync(CancellationToken.None);
        var more = await monitor.Alarms.CheckAsync(CancellationToken.None);

        Assert.Empty(again);
        Assert.Empty(more);
        var all = new List<JsonElement> { first };
        while (hook.Posts.Reader.TryRead(out var post))
            all.Add(post);
        Assert.Equal(["ShareUp/grizzly", "ShareDown/black", "ShareDown/teddy"],
            all.Select(p => $"{p.GetProperty("alarm").GetProperty("kind").GetString()}/{p.GetProperty("alarm").GetProperty("class").GetString()}"));
        Assert.All(all, p => Assert.Equal(MonitorApp.ShiftAt, p.GetProperty("alarm").GetProperty("started").GetDateTimeOffset()));
        Assert.Matches(@"^grizzly is \d+% of predictions from .*, .*× its baseline share 33% \(planned\)\.$", all[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_new_alarm_after_the_first_check_is_posted_and_one_while_the_webhook_is_down_is_still_logged()
    {
        await using var hook = await Webhook.StartAsync();
        await using var monitor = await MonitorApp.StartAsync(configure: m => m.AlertWebhook = hook.Url);
        await hook.Posts.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        await monitor.Alarms.CheckAsync(CancellationToken.None);
        while (hook.Posts.Reader.TryRead(out _))
        {
        }

        // The last hour's predictions all come out of domain; then the webhook goes away.
        var lastHour = MonitorApp.DayStart.AddHours(23);
        monitor.Log!.Add(Enumerable.Range(0, 400).Select(i => Kodiak.Testing.PlannedTraffic.Row(lastHour.AddSeconds(i), "grizzly", outOfDomain: true, id: 10_000 + i)));
        var told = await monitor.Alarms.CheckAsync(CancellationToken.None);
        var post = await hook.Posts.Reader.ReadAsync().AsTask().WaitAsync(Guard);
        await hook.DisposeAsync();
        // Then the confidence falls.
        monitor.Log.Add(Enumerable.Range(0, 800).Select(i => Kodiak.Testing.PlannedTraffic.Row(lastHour.AddSeconds(i), "black", confidence: 0.05f, id: 20_000 + i)));
        var unreachable = await monitor.Alarms.CheckAsync(CancellationToken.None);

        Assert.Equal(Kodiak.Monitoring.AlarmKind.OutOfDomainRate, Assert.Single(told).Kind);
        Assert.Equal("OutOfDomainRate", post.GetProperty("alarm").GetProperty("kind").GetString());
        Assert.Equal(Kodiak.Monitoring.AlarmKind.LowConfidence, Assert.Single(unreachable).Kind);
    }

    /// <summary>A local HTTP listener that takes the webhook's POSTs.</summary>
    sealed class Webhook : IAsyncDisposable
    {
        readonly WebApplication _app;
        bool _disposed;

        Webhook(WebApplication app)
        {
            _app = app;
            Url = new Uri(new Uri(app.Urls.Single()), "/hook");
        }

        public Uri Url { get; }

        public System.Threading.Channels.Channel<JsonElement> Posts { get; } = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();

        public static async Task<Webhook> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            Webhook? hook = null;
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                hook!.Posts.Writer.TryWrite(await JsonSerializer.DeserializeAsync<JsonElement>(request.Body));
                return Results.Ok();
            });
            await app.StartAsync();
            return hook = new Webhook(app);
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
                return;
            _disposed = true;
            await _app.DisposeAsync();
        }
    }
}
