using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

public sealed class ImageSearchTests(Web web) : IClassFixture<Web>
{
    const string Query = "grizzly bear";
    readonly InstantTime _clock = new();
    readonly List<string> _notices = [];

    FakeWeb Server => web.Server;

    IImageSearch Create(string provider, string? key = FakeWeb.Key, GatherOptions? options = null) =>
        ImageSearch.Create(provider, new Fetcher(options ?? Web.FastOptions(_clock, _notices)), Server.Url,
            variable => variable == "OPENVERSE_TOKEN" ? null : key);

    async Task<List<ImageResult>> Search(string provider, int max, string? key = FakeWeb.Key) =>
        await Create(provider, key).SearchAsync(Query, max).ToListAsync();

    IReadOnlyList<string> SevenResults()
    {
        var urls = web.Samples(7).Select(Server.Image).ToList();
        Server.Results[Query] = urls;
        return urls;
    }

    public static TheoryData<string> Providers => [.. ImageSearch.Providers];

    public static TheoryData<string> PagedProviders => [.. ImageSearch.Providers.Where(p => p != "brave")];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Returns_the_image_urls_in_rank_order_up_to_max(string provider)
    {
        var urls = SevenResults();

        var results = await Search(provider, max: 5);

        Assert.Equal(urls.Take(5), results.Select(r => r.Url));
    }

    [Theory]
    [MemberData(nameof(PagedProviders))]
    public async Task Pages_until_the_end_and_asks_for_no_page_beyond_max(string provider)
    {
        var urls = SevenResults();
        string api = Api(provider);
        int before = Server.Requests(api);

        var all = await Search(provider, max: 100);
        int pagesForAll = Server.Requests(api) - before;
        var some = await Search(provider, max: 4);
        int pagesForFour = Server.Requests(api) - before - pagesForAll;

        Assert.Equal(urls, all.Select(r => r.Url));
        Assert.Equal(3, pagesForAll); // 7 results, 3 per page
        Assert.Equal(2, pagesForFour);
        Assert.Equal(4, some.Count);
    }

    [Fact]
    public async Task Openverse_keeps_licence_creator_and_source_page()
    {
        SevenResults();

        var first = (await Search("openverse", 1)).Single();

        Assert.Equal(("by 2.0", "Creator 0", "https://example.org/work0"), (first.Licence, first.Creator, first.SourcePage));
        Assert.Equal((640, 480), (first.Width, first.Height));
    }

    [Fact]
    public async Task Wikimedia_keeps_licence_and_the_artist_as_plain_text()
    {
        SevenResults();

        var first = (await Search("wikimedia", 1)).Single();

        Assert.Equal(("CC BY-SA 4.0", "Artist & 0"), (first.Licence, first.Creator));
        Assert.Equal("https://commons.example.org/File:0", first.SourcePage);
    }

    [Fact]
    public async Task Flickr_takes_the_large_size_and_falls_back_to_the_original_with_the_licence_named()
    {
        var urls = SevenResults();

        var results = await Search("flickr", 2);

        Assert.Equal(urls.Take(2), results.Select(r => r.Url));
        Assert.Equal(("CC BY 2.0", 2000), (results[0].Licence, results[0].Width)); // only url_o, licence id 4
        Assert.Equal(("CC0 1.0", 1024), (results[1].Licence, results[1].Width)); // url_l, licence id 9
        Assert.Equal("Owner 0", results[0].Creator);
    }

    [Fact]
    public async Task Pexels_and_brave_keep_the_thumbnail_and_source_page()
    {
        var urls = SevenResults();

        var pexels = (await Search("pexels", 1)).Single();
        var brave = (await Search("brave", 1)).Single();

        Assert.Equal((urls[0] + "?medium", "Pexels License", "Photographer 0"), (pexels.Thumbnail, pexels.Licence, pexels.Creator));
        Assert.Equal((urls[0] + "?thumb", "https://example.org/page0"), (brave.Thumbnail, brave.SourcePage));
    }

    [Theory]
    [InlineData("brave", "BRAVE_SEARCH_KEY")]
    [InlineData("pexels", "PEXELS_API_KEY")]
    [InlineData("flickr", "FLICKR_API_KEY")]
    public void A_missing_key_is_an_error_naming_the_variable_before_any_request(string provider, string variable)
    {
        int before = Server.Requests(Api(provider));

        var error = Assert.Throws<ImageSearchException>(() => Create(provider, key: null));

        Assert.Contains(variable, error.Message);
        Assert.Equal(before, Server.Requests(Api(provider)));
    }

    [Theory]
    [InlineData("brave", "BRAVE_SEARCH_KEY")]
    [InlineData("pexels", "PEXELS_API_KEY")]
    [InlineData("flickr", "FLICKR_API_KEY")]
    public async Task A_rejected_key_is_an_error_naming_the_variable(string provider, string variable)
    {
        SevenResults();

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search(provider, 5, key: "wrong-key"));

        Assert.Contains($"rejected the key in {variable}", error.Message);
        Assert.DoesNotContain("wrong-key", error.Message);
    }

    [Fact]
    public async Task DuckDuckGo_403_is_retried_with_backoff_and_said()
    {
        var urls = SevenResults();
        Server.Refuse("i.js", 403, times: 2);

        var results = await Search("ddg", 3);

        Assert.Equal(urls.Take(3), results.Select(r => r.Url));
        Assert.Equal(2, _notices.Count(n => n.StartsWith(Server.Url + "i.js: HTTP 403 Forbidden; retry")));
        Assert.Equal(2, _clock.Waits.Count);
    }

    [Fact]
    public async Task DuckDuckGo_that_keeps_refusing_is_a_clear_error_suggesting_another_provider()
    {
        SevenResults();
        Server.Refuse("i.js", 403, times: 3); // the first try and both retries

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search("ddg", 3));

        Assert.Contains("403", error.Message);
        Assert.Contains("--provider openverse", error.Message);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_429_waits_as_long_as_Retry_After_says_then_goes_on(string provider)
    {
        var urls = SevenResults();
        Server.Refuse(Api(provider), 429, times: 1, retryAfterSeconds: 7);

        var results = await Search(provider, 2);

        Assert.Equal(urls.Take(2), results.Select(r => r.Url));
        Assert.True(_clock.Waits.SequenceEqual([TimeSpan.FromSeconds(7)]), string.Join("; ", _notices));
    }

    [Fact]
    public async Task Server_errors_are_retried_then_reported_with_the_number_of_tries()
    {
        SevenResults();
        Server.Refuse("v1/images/", 503, times: 3);

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search("openverse", 2));

        Assert.Contains("openverse search failed: HTTP 503 Service Unavailable (tried 3 times)", error.Message);
        Assert.Equal(2, _clock.Waits.Count);
    }

    [Theory]
    [InlineData("openverse", "nothing-here/", "openverse search failed: HTTP 404 Not Found (http://HOST/nothing-here/v1/images/)")]
    [InlineData("wikimedia", "portal/", "wikimedia answered http://HOST/portal/w/api.php with something that is not JSON (it starts \"<!DOCTYPE html>")]
    public async Task A_wrong_endpoint_is_an_error_naming_the_provider_and_what_came_back(string provider, string endpoint, string message)
    {
        var search = ImageSearch.Create(provider, new Fetcher(Web.FastOptions(_clock)), new Uri(Server.Url, endpoint));

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => search.SearchAsync(Query, 2).ToListAsync().AsTask());

        Assert.Contains(message.Replace("http://HOST/", Server.Url.AbsoluteUri), error.Message);
    }

    [Fact]
    public void An_unknown_provider_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageSearch.Create("bing", new Fetcher()));

        Assert.Contains("ddg, openverse, wikimedia, brave, pexels, flickr", error.Message);
    }

    /// <summary>The path each provider's results come from on the fake server.</summary>
    static string Api(string provider) => provider switch
    {
        "ddg" => "i.js",
        "openverse" => "v1/images/",
        "wikimedia" => "w/api.php",
        "brave" => "res/v1/images/search",
        "pexels" => "v1/search",
        "flickr" => "services/rest/",
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };
}
