using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

public sealed class AutoSearchTests : IClassFixture<Web>
{
    const string Query = "grizzly bear";
    readonly InstantTime _clock = new();
    readonly List<string> _notices = [];
    readonly Web _web;

    public AutoSearchTests(Web web)
    {
        _web = web;
        _web.Server.Clock = _clock;
    }

    FakeWeb Server => _web.Server;

    /// <summary>No key set: auto has ddg, openverse (anonymous) and wikimedia.</summary>
    IImageSearch Auto(Func<string, string?>? environment = null) =>
        ImageSearch.Create(ImageSearch.Auto, new Fetcher(Web.FastOptions(_clock, _notices)), Server.Url, environment ?? (_ => null));

    [Fact]
    public async Task Moves_on_when_a_provider_refuses_and_names_the_provider_of_each_result()
    {
        var urls = _web.Samples(7).Select(Server.Image).ToList();
        Server.Results[Query] = urls;
        Server.DuckDuckGoBlock = 403;
        Server.OpenverseAnonymousPerHour = 1;
        try
        {
            var results = await Auto().SearchAsync(Query, 7).ToListAsync();

            // openverse gives its first page of 3, then its hourly limit; wikimedia fills the rest without repeating those.
            Assert.Equal(urls, results.Select(r => r.Url));
            Assert.Equal([.. Enumerable.Repeat("openverse", 3), .. Enumerable.Repeat("wikimedia", 4)], results.Select(r => r.Provider));
            Assert.Contains(_notices, n => n.StartsWith("auto: ddg refused after 0 results", StringComparison.Ordinal) && n.EndsWith("trying openverse.", StringComparison.Ordinal));
            Assert.Contains(_notices, n => n.StartsWith("auto: openverse refused after 3 results", StringComparison.Ordinal) && n.EndsWith("trying wikimedia.", StringComparison.Ordinal));
        }
        finally
        {
            Server.DuckDuckGoBlock = null;
            Server.OpenverseAnonymousPerHour = 5;
        }
    }

    [Fact]
    public async Task A_provider_that_refused_is_left_out_for_the_rest_of_the_run()
    {
        Server.Results[Query] = [.. _web.Samples(2).Select(Server.Image)];
        Server.Results["black bear"] = [.. _web.Samples(2, skip: 2).Select(Server.Image)];
        Server.DuckDuckGoBlock = 403;
        var auto = Auto();
        try
        {
            await UntilEnd(auto, Query);
            int ddg = Server.Requests("/");
            await UntilEnd(auto, "black bear");

            Assert.Equal(ddg, Server.Requests("/"));
        }
        finally
        {
            Server.DuckDuckGoBlock = null;
        }
    }

    [Fact]
    public async Task Moves_on_when_a_provider_runs_dry_and_says_so()
    {
        var urls = _web.Samples(2).Select(Server.Image).ToList();
        Server.Results[Query] = urls;

        var results = await Auto().SearchAsync(Query, 5).ToListAsync();

        Assert.Equal(urls, results.Select(r => r.Url));
        Assert.All(results, r => Assert.Equal("ddg", r.Provider));
        Assert.Contains("auto: ddg ran dry for \"grizzly bear\" with 2 of 5 results, trying openverse.", _notices);
        Assert.Contains("auto: wikimedia ran dry for \"grizzly bear\" with 2 of 5 results, and no provider is left.", _notices);
    }

    [Fact]
    public async Task Keyed_providers_join_only_when_their_key_is_set()
    {
        Server.Results[Query] = [.. _web.Samples(1).Select(Server.Image)];
        int brave = Server.Requests("res/v1/images/search");
        int pexels = Server.Requests("v1/search");

        await Auto(v => v == PexelsSearch.KeyVariable ? FakeWeb.Key : null).SearchAsync(Query, 5).ToListAsync();

        Assert.Equal(brave, Server.Requests("res/v1/images/search"));
        Assert.Equal(pexels + 1, Server.Requests("v1/search"));
    }

    [Fact]
    public async Task Short_because_providers_refused_ends_with_an_error_after_the_results()
    {
        Server.Results[Query] = [.. _web.Samples(2).Select(Server.Image)];
        Server.DuckDuckGoBlock = 418;
        try
        {
            var results = new List<ImageResult>();
            var error = await Assert.ThrowsAsync<ImageSearchException>(async () =>
            {
                await foreach (var result in Auto().SearchAsync(Query, 5))
                    results.Add(result);
            });

            Assert.Equal(2, results.Count);
            Assert.Equal("auto: 2 of 5 results; ddg refused", error.Message);
        }
        finally
        {
            Server.DuckDuckGoBlock = null;
        }
    }

    static async Task UntilEnd(IImageSearch search, string query)
    {
        try
        {
            await search.SearchAsync(query, 5).ToListAsync();
        }
        catch (ImageSearchException)
        {
            // Short because ddg refused: expected here.
        }
    }
}
