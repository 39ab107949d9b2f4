using Kodiak.Monitoring;
using Kodiak.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>The review page in Chromium (as <see cref="BrowserTests"/>), over answers of the served sample queued by <c>--review-sample 1</c>.</summary>
[Collection(ServerFixture.Collection)]
public sealed class ReviewBrowserTests(ServerFixture server, ITestOutputHelper output) : IDisposable
{
    readonly TempFolder _folder = new();

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task A_person_corrects_one_item_and_confirms_another(string device, int width, int height)
    {
        var (app, client) = await ReviewApiTests.StartAsync(server.Sample.Bundle, Path.Combine(_folder.Path, "log.db"));
        await using var _ = app;
        using var __ = client;
        await ReviewApiTests.PredictAndQueueAsync(app, client, server.Sample.Validation.Paths.Take(2).Select(File.ReadAllBytes));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await BrowserTests.NewPage(browser, device, width, height);

        await page.GotoAsync(new Uri(client.BaseAddress!, "/review").ToString());
        await Expect(page.Locator("#status")).ToHaveTextAsync("2 items waiting for review.");
        await Expect(page.Locator(".item img").First).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await page.Locator(".item img").First.EvaluateAsync<int>("i => i.naturalWidth") > 0, "the queued image shows");
        Directory.CreateDirectory(BrowserTests.Screenshots);
        string before = Path.Combine(BrowserTests.Screenshots, $"review-{device}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = before, FullPage = true });

        await page.Locator("#reviewer").FillAsync("ana");
        await page.Locator("#reviewer").DispatchEventAsync("change");
        var first = page.Locator(".item").Nth(0);
        string other = await first.Locator("select.correct option").Nth(1).GetAttributeAsync("value") ?? "";
        await first.Locator("select.correct").SelectOptionAsync(other);
        await Expect(first.Locator(".done")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^Stored: corrected, {other}\\.$"));
        var second = page.Locator(".item").Nth(1);
        await second.Locator("button.confirm").ClickAsync();
        await Expect(second.Locator(".done")).ToContainTextAsync("Stored: confirmed");
        await Expect(page.Locator("#status")).ToHaveTextAsync("0 items waiting for review.");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();

        string after = Path.Combine(BrowserTests.Screenshots, $"review-{device}-done.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = after, FullPage = true });
        output.WriteLine($"review {device} {width}×{height}: screenshots {before}, {after}");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");
        var stored = await app.Services.GetRequiredService<IReviewQueue>().ReviewedAsync().ToListAsync();
        Assert.Equal([(ReviewStatus.Corrected, other, "ana"), (ReviewStatus.Confirmed, stored[1].Label, "ana")],
            stored.Select(i => (i.Status, i.ReviewedLabel!, i.Reviewer!)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
