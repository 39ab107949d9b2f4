using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>The monitor page in Chromium (as <see cref="BrowserTests"/>), over the planted log of <see cref="MonitorApp"/>.</summary>
public sealed class MonitorBrowserTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task The_page_shows_the_planted_alarm_and_draws_its_charts(string device, int width, int height)
    {
        await using var monitor = await MonitorApp.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await BrowserTests.NewPage(browser, device, width, height);

        await page.GotoAsync(new Uri(monitor.Url, "/monitor?since=2d").ToString());

        var up = page.Locator(".alarm[data-kind=ShareUp]");
        await Expect(up).ToHaveCountAsync(1);
        await Expect(up).ToContainTextAsync("grizzly is");
        await Expect(up).ToContainTextAsync($"Started {Kodiak.Monitoring.MonitorTime.Format(MonitorApp.ShiftAt)}, still on");
        await Expect(page.Locator(".alarm")).ToHaveCountAsync(3);
        await Expect(page.Locator("#status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^4,800 predictions from "));
        // The hour chart has a bar for each class of each hour and a dashed line where the alarms started.
        Assert.Equal(24 * 3, await page.Locator("#hours-chart rect").CountAsync());
        Assert.True(await page.Locator("#hours-chart .alarm-line").CountAsync() >= 1);
        await Expect(page.Locator("#shares-chart text")).ToContainTextAsync(["black", "grizzly", "teddy"]);
        await Expect(page.Locator("#quality-chart path")).ToHaveCountAsync(2);
        await Expect(page.Locator("#latency-chart path")).ToHaveCountAsync(2);
        await Expect(page.Locator("#error")).ToBeHiddenAsync();

        Directory.CreateDirectory(BrowserTests.Screenshots);
        string screenshot = Path.Combine(BrowserTests.Screenshots, $"monitor-{device}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"monitor {device} {width}×{height}: screenshot {screenshot}");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");
    }

    [Fact]
    public async Task Without_a_log_the_page_says_monitoring_needs_one()
    {
        await using var monitor = await MonitorApp.StartAsync(log: false);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(monitor.Url, "/monitor").ToString());

        await Expect(page.Locator("#error")).ToHaveTextAsync(MonitorReports.NoLog);
        await Expect(page.Locator("#report")).ToBeHiddenAsync();
    }
}
