using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

public sealed class AdminTokenTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://127.0.0.2:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("https://bears.example.com", false)]
    public void Only_loopback_addresses_count_as_loopback(string url, bool loopback) => Assert.Equal(loopback, AdminToken.IsLoopback(url));

    [Fact]
    public void Before_the_app_listens_and_with_any_address_off_loopback_the_token_is_required()
    {
        Assert.True(new AdminToken(null, () => []).Required);
        Assert.True(new AdminToken(null, () => ["http://127.0.0.1:5000", "http://0.0.0.0:5001"]).Required);
        Assert.False(new AdminToken(null, () => ["http://127.0.0.1:5000", "http://[::1]:5000"]).Required);
        Assert.True(new AdminToken("a-token-given-by-hand", () => ["http://127.0.0.1:5000"]).Required);
        Assert.Matches("^[0-9a-f]{32}$", new AdminToken(null, () => []).Value);
        Assert.NotEqual(new AdminToken(null, () => []).Value, new AdminToken(null, () => []).Value);
    }

    [Fact]
    public async Task On_loopback_no_token_is_needed_and_none_is_printed()
    {
        await using var cleaner = await CleanerApp.StartAsync();

        using var page = await cleaner.Client.GetAsync("/");
        using var api = await cleaner.Client.GetAsync("/api/cleaner");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.DoesNotContain("token", KodiakCleaner.Describe(cleaner.App));
        Assert.Equal(cleaner.Url.ToString(), KodiakCleaner.PageUrl(cleaner.App));
    }

    [Fact]
    public async Task Off_loopback_the_page_and_API_answer_401_without_the_printed_token_and_admit_it_once_given()
    {
        await using var cleaner = await CleanerApp.StartAsync("http://0.0.0.0:0");
        string pageUrl = KodiakCleaner.PageUrl(cleaner.App);
        string token = new Uri(pageUrl).Query["?token=".Length..];
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = cleaner.Url };

        Assert.Matches("^[0-9a-f]{32}$", token);
        Assert.Contains($"?token={token}", KodiakCleaner.Describe(cleaner.App));
        Assert.Equal(new Uri(cleaner.App.Urls.Single()).Port, new Uri(pageUrl).Port);
        Assert.Equal(Dns.GetHostName(), new Uri(pageUrl).Host, ignoreCase: true);
        foreach (string path in new[] { "/", "/cleaner.js", "/api/cleaner", "/api/image?path=red/r1.png", "/?token=not-the-token" })
        {
            using var refused = await browser.GetAsync(path);
            await AssertProblem(refused, HttpStatusCode.Unauthorized, "needs its admin token");
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        }

        using var apply = await browser.PostAsync("/api/apply", new StringContent("""{"changes": [{"path": "red/r1.png"}]}""", Encoding.UTF8, "application/json"));
        await AssertProblem(apply, HttpStatusCode.Unauthorized, "needs its admin token");
        Assert.True(File.Exists(cleaner.Data.Full("red/r1.png")));
        using var health = await browser.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var given = await browser.GetAsync($"/?token={token}");

        Assert.Equal(HttpStatusCode.Redirect, given.StatusCode);
        Assert.Equal("/", given.Headers.Location?.OriginalString);
        string cookie = given.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains($"kodiak-token={token}", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        using var page = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var api = await browser.GetAsync("/api/cleaner");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/suspects/outliers?top=1");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var script = await cleaner.Client.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task A_token_given_in_the_options_is_asked_for_even_on_loopback()
    {
        const string token = "a-token-given-by-hand";
        await using var cleaner = await CleanerApp.StartAsync(token: token);

        using var refused = await cleaner.Client.GetAsync("/api/cleaner");
        using var admitted = await cleaner.Client.GetAsync($"/api/cleaner?token={token}");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode); // redirected to /api/cleaner with the cookie
        Assert.EndsWith($"/?token={token}", KodiakCleaner.PageUrl(cleaner.App));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space in it somewhere")]
    public void A_weak_or_spaced_token_is_refused_naming_the_option(string token)
    {
        var options = new CleanerOptions { Model = "m.kodiak", Data = "data", Token = token };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(CleanerOptions.Token), error.ParamName);
    }
}
