using System.Net.Http.Headers;
using Kodiak.Monitoring;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>
/// The rollout page in Chromium (as <see cref="BrowserTests"/>): the colour model as the primary ("colours") with a shadow
/// ("candidate"), every answer queued for review; a person reviews on /review while /rollout is open, sees the comparison
/// take the reviews in, and promotes the candidate.
/// </summary>
public sealed class RolloutBrowserTests(ITestOutputHelper output) : IDisposable
{
    static readonly LocatorAssertionsToHaveTextOptions Refreshed = new() { Timeout = 20_000 };

    readonly TempFolder _temp = new();

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Reviews_show_in_the_comparison_and_promote_makes_the_candidate_answer(string device, int width, int height)
    {
        string primary = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"));
        string candidate = ColourModel.Write(Path.Combine(_temp.Path, "candidate.kodiak"), dataFolder: "candidate");
        var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"],
            new ServeOptions { Model = primary, Shadow = candidate, Log = Path.Combine(_temp.Path, "log.db"), Review = true, ReviewSample = 1 });
        await using var _ = app;
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        for (int i = 0; i < 3; i++)
            Assert.StartsWith("colours@", await AnsweringModel(client, i));
        var queue = app.Services.GetRequiredService<IReviewQueue>();
        for (var deadline = DateTime.UtcNow.AddMinutes(1); await queue.CountPendingAsync() < 3 && DateTime.UtcNow < deadline;)
            await Task.Delay(50);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var rollout = await BrowserTests.NewPage(browser, device, width, height);
        await rollout.GotoAsync(new Uri(client.BaseAddress, "/rollout").ToString());
        var tiles = rollout.Locator("#tiles .tile .value");
        await Expect(tiles.Nth(0)).ToHaveTextAsync("3", Refreshed);
        await Expect(tiles.Nth(1)).ToHaveTextAsync("100.0%");
        await Expect(tiles.Nth(2)).ToHaveTextAsync("0");
        await Expect(rollout.Locator("#candidate h2")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^candidate@"));
        await Expect(rollout.Locator("#candidate .role")).ToContainTextAsync("shadow");

        var review = await browser.NewPageAsync();
        await review.GotoAsync(new Uri(client.BaseAddress, "/review").ToString());
        var items = review.Locator(".item");
        await items.Nth(0).Locator("button.confirm").ClickAsync();
        await Expect(items.Nth(0).Locator(".done")).ToContainTextAsync("Stored: confirmed");
        await items.Nth(1).Locator("select.correct").SelectOptionAsync("blue");
        await Expect(items.Nth(1).Locator(".done")).ToContainTextAsync("Stored: corrected, blue");

        // The open page refreshes itself: the two reviews reach both models' numbers.
        await Expect(tiles.Nth(2)).ToHaveTextAsync("2", Refreshed);
        await Expect(rollout.Locator("#primary dd").Nth(1)).ToContainTextAsync("50.0% (1 of 2;");
        await Expect(rollout.Locator("#candidate dd").Nth(1)).ToContainTextAsync("50.0% (1 of 2;");
        Directory.CreateDirectory(BrowserTests.Screenshots);
        string before = Path.Combine(BrowserTests.Screenshots, $"rollout-{device}.png");
        await rollout.ScreenshotAsync(new PageScreenshotOptions { Path = before, FullPage = true });
        int overflow = await rollout.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");

        await rollout.Locator("#promote").ClickAsync();
        await Expect(rollout.Locator("#done")).ToContainTextAsync("Promoted: candidate@");
        await Expect(rollout.Locator("#primary h2")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^candidate@"));
        await Expect(rollout.Locator("#candidate .role")).ToContainTextAsync("previous primary");
        string promoted = await AnsweringModel(client, 3);
        await rollout.Locator("#promote").ClickAsync();
        await Expect(rollout.Locator("#error")).ToContainTextAsync("Promote refused: No candidate to promote");
        string after = Path.Combine(BrowserTests.Screenshots, $"rollout-{device}-promoted.png");
        await rollout.ScreenshotAsync(new PageScreenshotOptions { Path = after, FullPage = true });
        output.WriteLine($"rollout {device} {width}×{height}: screenshots {before}, {after}");

        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");
        Assert.StartsWith("candidate@", promoted);
    }

    /// <summary>X-Kodiak-Model of the answer to a red image.</summary>
    static async Task<string> AnsweringModel(HttpClient client, int i)
    {
        using var body = new ByteArrayContent(ImageEncoder.Encode(TestImages.Solid(16, 16, 250, (byte)(10 + i), 10), ImageFormat.Png));
        body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var answer = await client.PostAsync("/api/predict", body);
        answer.EnsureSuccessStatusCode();
        return answer.Headers.GetValues(PredictApi.ModelHeader).Single();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }
}
