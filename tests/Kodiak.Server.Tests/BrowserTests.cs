using System.Globalization;
using System.Text.RegularExpressions;
using Kodiak.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>
/// The page in a real browser: Debian's Chromium (<c>apt-get install chromium</c>; <c>.ci/run</c> installs it), driven
/// by Playwright, which never downloads a browser of its own. Screenshots are kept in <see cref="Screenshots"/>.
/// </summary>
[Collection(ServerFixture.Collection)]
public sealed partial class BrowserTests(ServerFixture server, ITestOutputHelper output)
{
    const string Chromium = "/usr/bin/chromium";

    /// <summary>Where the screenshots go: <c>screenshots/</c> in the test output folder.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Uploading_a_sample_image_shows_its_prediction_and_a_bar_per_class(string device, int width, int height)
    {
        var valid = server.Sample.Validation;
        int item = 2;
        string expected = valid.Vocab[valid.Predictions[item]];
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Launch(playwright);
        var page = await NewPage(browser, device, width, height);

        await page.GotoAsync(server.Url.ToString());
        await Expect(page.Locator("#title")).ToHaveTextAsync("clipart classifier");
        await Expect(page.Locator("#classes")).ToHaveTextAsync("Classes: animals, food, vehicles");
        int wrong = valid.Targets.Where((target, i) => valid.Predictions[i] != target).Count(), count = valid.Paths.Count;
        await Expect(page.Locator("#model-info")).ToContainTextAsync(
            $"wrong on {wrong} of {count} validation images ({Math.Round(100.0 * wrong / count, MidpointRounding.AwayFromZero)}%)");
        await page.Locator("#file").SetInputFilesAsync(valid.Paths[item]);
        var prediction = page.Locator("#prediction");
        await Expect(prediction).ToHaveTextAsync(PredictionText());
        string text = await prediction.InnerTextAsync();
        string screenshot = Path.Combine(Screenshots, $"{device}.png");
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"{device} {width}×{height}: \"{text}\"; screenshot {screenshot}");

        var match = PredictionText().Match(text);
        Assert.Equal(expected, match.Groups["label"].Value);
        Assert.Equal(valid.Probability(item, valid.Predictions[item]), double.Parse(match.Groups["p"].Value, CultureInfo.InvariantCulture), 4);
        var bars = page.Locator("#bars li .label span:first-child");
        Assert.Equal([.. valid.Vocab.OrderByDescending(c => valid.Probability(item, valid.Vocab.ToList().IndexOf(c)))], await bars.AllInnerTextsAsync());
        Assert.True(await page.Locator("#thumbnail").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the thumbnail did not load");
        Assert.True(await page.Locator("#error").IsHiddenAsync());
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_shows_the_reason_in_the_page()
    {
        using var temp = new TempFolder();
        string notes = temp.Write("notes.jpg", TestImages.Text("not a picture"));
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Launch(playwright);
        var page = await browser.NewPageAsync();

        await page.GotoAsync(server.Url.ToString());
        await page.Locator("#file").SetInputFilesAsync(notes);

        await Expect(page.Locator("#error")).ToHaveTextAsync("Cannot decode image: not an image (unrecognised format).");
        await Expect(page.Locator("#result")).ToBeHiddenAsync();
    }

    /// <summary>Debian's Chromium, headless, for any browser test.</summary>
    internal static Task<IBrowser> Launch(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run installs it).");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic",
            ],
        });
    }

    /// <summary>A page of <paramref name="width"/> × <paramref name="height"/> CSS pixels; a "phone" is mobile with touch.</summary>
    internal static Task<IPage> NewPage(IBrowser browser, string device, int width, int height) =>
        browser.NewPageAsync(new BrowserNewPageOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = device == "phone",
            HasTouch = device == "phone",
        });

    [GeneratedRegex(@"^Prediction: (?<label>.+); Probability: (?<p>\d\.\d{4})$")]
    private static partial Regex PredictionText();
}
