using System.Text.RegularExpressions;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>The page, in Debian's Chromium, for an image the model's out-of-domain score flags (see <see cref="BrowserTests"/>).</summary>
public sealed class BrowserOutOfDomainTests(ITestOutputHelper output) : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    async Task<(WebApplication App, Uri Url)> ServeAsync(bool calibrated)
    {
        string bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: calibrated);
        var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions { Model = bundle });
        await app.StartAsync();
        return (app, new Uri(app.Urls.Single()));
    }

    string Photo() => _temp.Write("photo.png", ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png));

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task An_image_unlike_every_class_is_told_so_in_plain_words_instead_of_a_label(string device, int width, int height)
    {
        var (app, url) = await ServeAsync(calibrated: true);
        await using var _ = app;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await BrowserTests.NewPage(browser, device, width, height);

        await page.GotoAsync(url.ToString());
        await Expect(page.Locator("#classes")).ToHaveTextAsync("Classes: red, green, blue");
        await page.Locator("#file").SetInputFilesAsync(Photo());
        var prediction = page.Locator("#prediction");
        await Expect(prediction).ToContainTextAsync("does not look like any of the classes");
        string screenshot = Path.Combine(BrowserTests.Screenshots, $"out-of-domain-{device}.png");
        Directory.CreateDirectory(BrowserTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"{device}: \"{await prediction.InnerTextAsync()}\"; screenshot {screenshot}");

        Assert.Equal("This image does not look like any of the classes this model knows (red, green, blue), so it gets no label. "
                     + "The nearest class would be red, but do not trust that.", await prediction.InnerTextAsync());
        Assert.DoesNotContain("Probability", await prediction.InnerTextAsync());
        await Expect(page.Locator("#result")).ToHaveClassAsync(new Regex("out-of-domain"));
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");

        // The next, ordinary image gets its label again.
        await page.Locator("#file").SetInputFilesAsync(_temp.Write("red.png", ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png)));
        await Expect(prediction).ToHaveTextAsync(new Regex("^Prediction: red; Probability: 0\\.\\d{4}$"));
        await Expect(page.Locator("#result")).Not.ToHaveClassAsync(new Regex("out-of-domain"));
    }

    [Fact]
    public async Task Without_calibration_the_page_labels_every_image_and_says_it_has_no_out_of_domain_check()
    {
        var (app, url) = await ServeAsync(calibrated: false);
        await using var _ = app;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(url.ToString());
        await page.Locator("#file").SetInputFilesAsync(Photo());

        await Expect(page.Locator("#prediction")).ToHaveTextAsync(new Regex("^Prediction: red; Probability: 0\\.\\d{4}$"));
        await Expect(page.Locator("#model-info")).ToContainTextAsync("no out-of-domain check");
    }
}
