using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>
/// "Run on this device" in Debian's Chromium: the served model in ONNX Runtime Web gives the server's answer without the
/// image being uploaded; a browser without WebAssembly, and a file over the upload limit, are handled in the page.
/// </summary>
[Collection(ServerFixture.Collection)]
public sealed class OnDeviceBrowserTests(ServerFixture server, ITestOutputHelper output)
{
    /// <summary>Compiling the 15 MB runtime on a busy machine takes a while; a person sees "Loading the model…" meanwhile.</summary>
    static readonly LocatorAssertionsToContainTextOptions Loading = new() { Timeout = 180_000 };

    // JPEG is a known gap, not a pass: the server decodes a JPEG at a reduced DCT scale (JPEG's n/8 decode), which a browser
    // cannot, so on the 192-px sample the page's probabilities differ by up to 0.13 (issue #19's note). Kept visible as a skip.
    [Theory(Skip = "Known gap: the server's scaled JPEG decode differs from the page's full decode (issue #19).")]
    [InlineData("desktop", 1280, 800, "jpeg")]
    public Task A_jpeg_run_on_the_device_gets_the_servers_label_and_probabilities(string device, int width, int height, string format) =>
        An_image_run_on_the_device_gets_the_servers_label_and_probabilities_without_an_upload(device, width, height, format);

    [Theory]
    [InlineData("desktop", 1280, 800, "png")]
    [InlineData("phone", 390, 844, "png")]
    public async Task An_image_run_on_the_device_gets_the_servers_label_and_probabilities_without_an_upload(string device, int width, int height, string format)
    {
        using var temp = new TempFolder();
        string jpeg = server.Sample.Validation.Paths[2];
        string image = format == "jpeg" ? jpeg : temp.Write("sample.png", ImageEncoder.Encode(ImageDecoder.Decode(jpeg), ImageFormat.Png));
        var expected = await ServerAnswer(image);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await BrowserTests.NewPage(browser, device, width, height);
        var uploads = Uploads(page);

        await page.GotoAsync(server.Url.ToString());
        await page.Locator("#on-device").CheckAsync();
        await Expect(page.Locator("#on-device-status")).ToContainTextAsync("Ready: the fp32 model", Loading);
        // A second visit loads the model from Cache Storage, and once loaded the page needs no network at all.
        await page.ReloadAsync();
        await Expect(page.Locator("#on-device-status")).ToContainTextAsync("kept in this browser", Loading);
        await page.Context.SetOfflineAsync(true);
        await page.Locator("#file").SetInputFilesAsync(image);
        await Expect(page.Locator("#timing")).ToContainTextAsync("On this device in");

        string timing = await page.Locator("#timing").InnerTextAsync();
        var shown = await ShownProbabilities(page);
        string screenshot = Path.Combine(BrowserTests.Screenshots, $"on-device-{device}.png");
        Directory.CreateDirectory(BrowserTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine($"{device} {width}×{height}, {format}: {timing}; server {FormatAll(expected.Probabilities)}, page {FormatAll(shown)}; screenshot {screenshot}");

        Assert.Empty(uploads);
        Assert.StartsWith($"Prediction: {expected.Label}; Probability:", await page.Locator("#prediction").InnerTextAsync());
        Assert.Equal(expected.Probabilities.Keys.Order(), shown.Keys.Order());
        foreach (var (label, p) in expected.Probabilities)
            Assert.True(Math.Abs(shown[label] - p) <= 0.01, $"{label}: {shown[label]:0.0000} in the page, {p:0.0000} from the server");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the {width} px viewport");
    }

    [Fact]
    public async Task A_browser_without_WebAssembly_says_so_and_the_server_classifies()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await browser.NewPageAsync();
        await page.AddInitScriptAsync("delete globalThis.WebAssembly;");
        var uploads = Uploads(page);

        await page.GotoAsync(server.Url.ToString());
        await Expect(page.Locator("#on-device-status")).ToHaveTextAsync("This browser cannot run WebAssembly, so images are sent to the server to be classified.");
        await Expect(page.Locator("#on-device")).ToBeDisabledAsync();
        await page.Locator("#file").SetInputFilesAsync(server.Sample.Validation.Paths[2]);

        await Expect(page.Locator("#timing")).ToContainTextAsync("On the server in");
        Assert.Single(uploads);
    }

    [Fact]
    public async Task A_file_over_the_upload_limit_is_refused_in_the_page_before_any_upload()
    {
        const int limit = 1024 * 1024;
        await using var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions { Model = server.Sample.Bundle, MaxUploadBytes = limit });
        await app.StartAsync();
        using var temp = new TempFolder();
        string large = temp.Write("large.jpg", new byte[limit + limit / 2]);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await browser.NewPageAsync();
        var uploads = Uploads(page);

        await page.GotoAsync(app.Urls.Single());
        await Expect(page.Locator("#classes")).ToHaveTextAsync("Classes: animals, food, vehicles");
        await page.Locator("#file").SetInputFilesAsync(large);

        await Expect(page.Locator("#error")).ToHaveTextAsync("That file is 1.5 MB; the limit is 1 MB.");
        await Expect(page.Locator("#result")).ToBeHiddenAsync();
        Assert.Empty(uploads);
    }

    async Task<(string Label, Dictionary<string, double> Probabilities)> ServerAnswer(string image)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(image)), PredictApi.FileField, Path.GetFileName(image) } };
        using var response = await server.Client.PostAsync("/api/predict", form);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("label").GetString()!,
            json.GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()));
    }

    /// <summary>The requests the page makes to <c>POST /api/predict</c>, as they are sent.</summary>
    static List<string> Uploads(IPage page)
    {
        var uploads = new List<string>();
        page.Request += (_, request) =>
        {
            if (new Uri(request.Url).AbsolutePath == "/api/predict")
                lock (uploads)
                    uploads.Add(request.Url);
        };
        return uploads;
    }

    /// <summary>Each bar's class and probability, as the page shows them.</summary>
    static async Task<Dictionary<string, double>> ShownProbabilities(IPage page)
    {
        var labels = await page.Locator("#bars li .label span:first-child").AllInnerTextsAsync();
        var values = await page.Locator("#bars li .label span:last-child").AllInnerTextsAsync();
        return labels.Zip(values).ToDictionary(p => p.First, p => double.Parse(p.Second, CultureInfo.InvariantCulture));
    }

    static string FormatAll(Dictionary<string, double> probabilities) =>
        string.Join(", ", probabilities.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:0.0000}")));
}
