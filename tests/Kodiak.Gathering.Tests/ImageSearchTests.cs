using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

public sealed class ImageSearchTests : IClassFixture<Web>
{
    const string Query = "grizzly bear";
    readonly InstantTime _clock = new();
    readonly List<string> _notices = [];
    readonly Web _web;

    public ImageSearchTests(Web web)
    {
        _web = web;
        // Quotas, pacing and token lifetimes on the fake run on this test's clock, which starts on a day of its own.
        _web.Server.Clock = _clock;
    }

    FakeWeb Server => _web.Server;

    /// <summary>Openverse anonymous unless <paramref name="openverse"/> gives its variables.</summary>
    IImageSearch Create(string provider, string? key = FakeWeb.Key, GatherOptions? options = null, Func<string, string?>? openverse = null) =>
        ImageSearch.Create(provider, new Fetcher(options ?? Web.FastOptions(_clock, _notices)), Server.Url,
            variable => variable.StartsWith("OPENVERSE_", StringComparison.Ordinal) ? openverse?.Invoke(variable) : key);

    async Task<List<ImageResult>> Search(string provider, int max, string? key = FakeWeb.Key) =>
        await Create(provider, key).SearchAsync(Query, max).ToListAsync();

    IReadOnlyList<string> SevenResults()
    {
        var urls = _web.Samples(7).Select(Server.Image).ToList();
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
        Assert.Equal(("CC BY 4.0", 1024), (results[1].Licence, results[1].Width)); // url_l, licence id 11, added in 2025
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

    /// <summary>ddg's 429 is a block and pexels' a monthly quota: neither is waited for (see their own tests).</summary>
    public static TheoryData<string> RetriedProviders => [.. ImageSearch.Providers.Where(p => p is not ("ddg" or "pexels"))];

    [Theory]
    [MemberData(nameof(RetriedProviders))]
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

    /// <summary>Every result up to the first refusal, and the refusal.</summary>
    static async Task<(List<ImageResult> Results, ImageSearchException? Error)> UntilRefused(IImageSearch search, int max)
    {
        var results = new List<ImageResult>();
        try
        {
            await foreach (var result in search.SearchAsync(Query, max))
                results.Add(result);
            return (results, null);
        }
        catch (ImageSearchException e)
        {
            return (results, e);
        }
    }

    /// <summary>Many made-up result URLs (searches only; nothing downloads them).</summary>
    void ManyResults(int count) => Server.Results[Query] = [.. Enumerable.Range(0, count).Select(i => Server.Image($"made-up-{i}.jpg"))];

    [Fact]
    public async Task DuckDuckGo_sends_a_browsers_headers_and_paces_its_pages_three_quarters_of_a_second_apart()
    {
        var urls = SevenResults();

        var results = await Search("ddg", 7);

        // The fake answers pages without Sec-Fetch-Mode: cors and a browser User-Agent with 403, and pages closer than 0.75 s with 418.
        Assert.Equal(urls, results.Select(r => r.Url));
        Assert.Equal(3, _clock.Waits.Count(w => w == DuckDuckGoSearch.Pacing));
    }

    [Theory]
    [InlineData(202)]
    [InlineData(301)]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(418)]
    [InlineData(429)]
    public async Task DuckDuckGo_rate_limit_answers_end_the_search_at_once_with_advice(int status)
    {
        SevenResults();
        int before = Server.Requests("i.js");
        Server.DuckDuckGoBlock = status;
        try
        {
            var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search("ddg", 3));

            Assert.Contains($"DuckDuckGo is limiting automated searches (HTTP {status})", error.Message);
            Assert.Contains("--provider auto", error.Message);
            Assert.Equal(before + 1, Server.Requests("i.js")); // neither retried nor followed
            Assert.DoesNotContain(_clock.Waits, w => w != DuckDuckGoSearch.Pacing);
        }
        finally
        {
            Server.DuckDuckGoBlock = null;
        }
    }

    [Fact]
    public async Task DuckDuckGo_challenge_page_without_a_token_is_said_to_be_one()
    {
        // /portal/ answers every request with a web page, as DuckDuckGo's challenge does.
        var search = ImageSearch.Create("ddg", new Fetcher(Web.FastOptions(_clock)), new Uri(Server.Url, "portal/"));

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => search.SearchAsync(Query, 2).ToListAsync().AsTask());

        Assert.Contains("without a search token (vqd), most likely a challenge", error.Message);
    }

    [Fact]
    public async Task Openverse_anonymous_asks_20_a_page_and_keeps_the_pages_read_when_the_hourly_limit_answers_429()
    {
        ManyResults(150);
        int before = Server.Requests("v1/images/");
        Server.PageSize = 20;
        try
        {
            var (results, error) = await UntilRefused(Create("openverse"), 150);

            // Five anonymous requests an hour: five pages of 20, then a 429 asking to wait most of an hour, which is not waited for.
            Assert.Equal(100, results.Count);
            Assert.NotNull(error);
            Assert.Contains("anonymous rate limit", error.Message);
            Assert.Contains("OPENVERSE_CLIENT_ID", error.Message);
            Assert.Equal(before + 6, Server.Requests("v1/images/"));
            Assert.Empty(_clock.Waits);
        }
        finally
        {
            Server.PageSize = 3;
        }
    }

    static string? Application(string variable) => variable is OpenverseSearch.ClientIdVariable or OpenverseSearch.ClientSecretVariable ? FakeWeb.Key : null;

    [Fact]
    public async Task Openverse_with_an_application_asks_up_to_500_a_page_and_renews_its_token_when_it_would_expire()
    {
        var urls = SevenResults();
        var search = Create("openverse", openverse: Application);
        int tokens = Server.OpenverseTokensIssued;

        // page_size 150 is refused (401) without a token.
        var first = await search.SearchAsync(Query, 150).ToListAsync();
        _clock.Advance(FakeWeb.OpenverseTokenLifetime);
        var later = await search.SearchAsync(Query, 150).ToListAsync();

        Assert.Equal(urls, first.Select(r => r.Url));
        Assert.Equal(urls, later.Select(r => r.Url));
        Assert.Equal(tokens + 2, Server.OpenverseTokensIssued);
        Assert.Contains("openverse: token renewed.", _notices);
    }

    [Fact]
    public async Task Openverse_refusing_a_token_it_issued_gets_a_new_one_once_and_goes_on()
    {
        var urls = SevenResults();
        var search = Create("openverse", openverse: Application);
        await search.SearchAsync(Query, 3).ToListAsync();
        int tokens = Server.OpenverseTokensIssued;
        Server.RevokeOpenverseTokens();

        var results = await search.SearchAsync(Query, 3).ToListAsync();

        Assert.Equal(urls.Take(3), results.Select(r => r.Url));
        Assert.Equal(tokens + 1, Server.OpenverseTokensIssued);
    }

    [Fact]
    public async Task Openverse_refusing_a_given_token_says_tokens_expire_and_how_to_have_them_renewed()
    {
        SevenResults();

        var error = await Assert.ThrowsAsync<ImageSearchException>(() =>
            Create("openverse", openverse: v => v == OpenverseSearch.TokenVariable ? "an-old-token" : null).SearchAsync(Query, 3).ToListAsync().AsTask());

        Assert.Contains("tokens expire after 10 hours", error.Message);
        Assert.Contains(OpenverseSearch.ClientSecretVariable, error.Message);
        Assert.DoesNotContain("an-old-token", error.Message);
    }

    [Fact]
    public async Task Openverse_goes_no_deeper_than_20_pages()
    {
        ManyResults(100);
        int before = Server.Requests("v1/images/");

        var results = await Create("openverse", openverse: Application).SearchAsync(Query, 100).ToListAsync();

        Assert.Equal(60, results.Count); // 20 pages of 3; the fake answers page 21 with 400
        Assert.Equal(before + 20, Server.Requests("v1/images/"));
    }

    [Fact]
    public async Task Wikimedia_searches_bitmaps_only_and_takes_the_training_sized_thumbnail_not_the_original()
    {
        var urls = SevenResults();

        int before = Server.Requests("w/api.php");

        var results = await Search("wikimedia", 20);

        // Without filetype:bitmap the fake puts a PDF, an SVG or an audio file after every second image, and those take
        // places in the pages (a fourth page); its originals are larger than the tests' cap.
        Assert.Equal(urls, results.Select(r => r.Url));
        Assert.Equal(before + 3, Server.Requests("w/api.php"));
        Assert.All(results, r => Assert.Equal(WikimediaSearch.TrainingWidth, r.Width));
    }

    [Fact]
    public async Task Wikimedia_without_a_contact_is_refused_with_advice_to_add_one()
    {
        SevenResults();
        var options = new GatherOptions { TimeProvider = _clock, Timeout = Timeout.InfiniteTimeSpan };

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Create("wikimedia", options: options).SearchAsync(Query, 1).ToListAsync().AsTask());

        Assert.Equal("Kodiak/0.1", Server.WikimediaUserAgent);
        Assert.Contains("--contact", error.Message);
    }

    [Fact]
    public async Task Wikimedia_gets_a_User_Agent_with_the_users_contact()
    {
        SevenResults();
        var options = new GatherOptions { TimeProvider = _clock, Timeout = Timeout.InfiniteTimeSpan, Contact = "bears@example.org" };

        await Create("wikimedia", options: options).SearchAsync(Query, 1).ToListAsync();

        Assert.Equal("Kodiak/0.1 (bears@example.org)", Server.WikimediaUserAgent);
    }

    [Fact]
    public async Task Wikimedia_403_says_how_to_add_contact_details()
    {
        SevenResults();
        Server.Refuse("w/api.php", 403);

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search("wikimedia", 3));

        Assert.Contains("--contact", error.Message);
        Assert.Contains(GatherOptions.ContactVariable, error.Message);
    }

    [Fact]
    public async Task Brave_422_for_a_bad_key_says_to_check_the_key()
    {
        SevenResults();

        var error = await Assert.ThrowsAsync<ImageSearchException>(() => Search("brave", 5, key: "wrong-key"));

        Assert.Contains("SUBSCRIPTION_TOKEN_INVALID", error.Message);
        Assert.Contains("check BRAVE_SEARCH_KEY", error.Message);
    }

    [Fact]
    public async Task Brave_asks_for_no_more_than_200_however_many_are_wanted()
    {
        var urls = SevenResults();

        // The fake answers a count above 200 with 422 VALIDATION.
        var results = await Search("brave", 500);

        Assert.Equal(urls, results.Select(r => r.Url));
    }

    [Fact]
    public async Task Pexels_429_is_a_quota_said_as_one_not_retried_and_the_pages_read_are_kept()
    {
        var urls = SevenResults();
        int before = Server.Requests("v1/search");
        Server.PexelsPerHour = 1;
        try
        {
            var (results, error) = await UntilRefused(Create("pexels"), 7);

            Assert.Equal(urls.Take(3), results.Select(r => r.Url)); // src.large, not the original
            Assert.NotNull(error);
            Assert.Contains("quick retries cannot help", error.Message);
            Assert.Contains("20,000 a month", error.Message);
            Assert.Equal(before + 2, Server.Requests("v1/search"));
            Assert.Empty(_clock.Waits);
        }
        finally
        {
            Server.PexelsPerHour = 200;
        }
    }

    [Fact]
    public async Task Flickr_error_201_is_retried_and_said_and_the_CC_4_licences_are_named()
    {
        var urls = SevenResults();
        Server.FlickrUnavailable = 2;

        var results = await Search("flickr", 3);

        Assert.Equal(urls.Take(3), results.Select(r => r.Url));
        Assert.Equal(["CC BY 2.0", "CC BY 4.0", "CC BY-NC-ND 4.0"], results.Select(r => r.Licence));
        Assert.Equal(2, _notices.Count(n => n.StartsWith("flickr: error 201", StringComparison.Ordinal)));
        Assert.Equal(2, _clock.Waits.Count);
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
