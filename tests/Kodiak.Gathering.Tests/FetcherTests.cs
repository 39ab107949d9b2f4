using System.Text.Json;
using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

public sealed class FetcherTests(Web web) : IClassFixture<Web>
{
    static readonly FetchSettings WithKey = new(1024 * 1024, [("X-Subscription-Token", FakeWeb.Key)]);

    FakeWeb Server => web.Server;

    async Task<Dictionary<string, string>> HeadersSeenAt(string url)
    {
        using var fetcher = new Fetcher(Web.FastOptions(new InstantTime()));
        var fetched = await fetcher.GetAsync(new Uri(url), WithKey, CancellationToken.None);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(fetched.Body)!;
    }

    [Fact]
    public async Task A_key_reaches_its_own_host_through_a_redirect()
    {
        var headers = await HeadersSeenAt(Server.Hostile("redirect?to=/headers"));

        Assert.Equal(FakeWeb.Key, headers["X-Subscription-Token"]);
    }

    [Fact]
    public async Task A_key_is_not_sent_along_a_redirect_to_another_host()
    {
        string elsewhere = new UriBuilder(Server.Url) { Host = "localhost", Path = "headers" }.Uri.AbsoluteUri;

        var headers = await HeadersSeenAt(Server.Hostile("redirect?to=" + Uri.EscapeDataString(elsewhere)));

        Assert.False(headers.ContainsKey("X-Subscription-Token"));
        Assert.StartsWith("Kodiak/", headers["User-Agent"]);
    }

    [Fact]
    public async Task A_key_is_not_sent_along_a_redirect_to_another_port_of_the_same_host()
    {
        await using var other = await FakeWeb.StartAsync();
        string samePlaceOtherPort = new Uri(other.Url, "headers").AbsoluteUri;

        var headers = await HeadersSeenAt(Server.Hostile("redirect?to=" + Uri.EscapeDataString(samePlaceOtherPort)));

        Assert.Equal(Server.Url.Host, other.Url.Host);
        Assert.False(headers.ContainsKey("X-Subscription-Token"));
        Assert.StartsWith("Kodiak/", headers["User-Agent"]);
    }
}
