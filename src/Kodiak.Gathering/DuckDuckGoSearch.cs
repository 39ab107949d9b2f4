using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// DuckDuckGo images, no key. There is no documented API: the page <c>/?q=…&amp;iax=images&amp;ia=images</c> carries a
/// <c>vqd</c> token, and <c>/i.js?q=…&amp;vqd=…&amp;o=json</c> answers <c>{"results":[{"image","thumbnail","url","width","height"}],"next":"i.js?…"}</c>.
/// As the maintained client duckduckgo_search (now ddgs) does: browser request headers (a browser User-Agent, <c>Accept</c>,
/// <c>Sec-Fetch-Mode: cors</c>, a Referer from its own site), calls paced <see cref="Pacing"/> apart, and 202, 301, 400, 403, 418
/// and 429 read as "rate limited", which quick retries only make worse: the search ends with what it has, and <c>--provider auto</c> moves on.
/// </summary>
internal sealed partial class DuckDuckGoSearch(SearchApi api) : IImageSearch
{
    public const string DefaultEndpoint = "https://duckduckgo.com/";

    /// <summary>duckduckgo_search sleeps 0.75 s between its calls.</summary>
    public static readonly TimeSpan Pacing = TimeSpan.FromSeconds(0.75);

    /// <summary>The statuses duckduckgo_search's _get_url raises RatelimitException for.</summary>
    static readonly IReadOnlySet<int> RateLimited = new HashSet<int> { 202, 301, 400, 403, 418, 429 };

    // DuckDuckGo answers scripts with challenge pages; the page and its JSON endpoint expect what a browser sends.
    const string BrowserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    readonly Pacer _pacer = new(Pacing, api.Time);

    public string Name => "ddg";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, [EnumeratorCancellation] CancellationToken cancellation)
    {
        string referer = api.Url("").AbsoluteUri;
        (string, string)[] page = [("User-Agent", BrowserAgent), ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), ("Referer", referer)];
        (string, string)[] json =
        [
            ("User-Agent", BrowserAgent), ("Accept", "application/json, text/javascript, */*; q=0.01"), ("Referer", referer),
            ("Sec-Fetch-Mode", "cors"), ("Sec-Fetch-Site", "same-origin"), ("Sec-Fetch-Dest", "empty"),
        ];
        string token = await TokenAsync(query, page, cancellation);
        var pages = Paging.Pages(
            $"i.js?l=us-en&o=json&q={EscapeDataString(query)}&vqd={EscapeDataString(token)}&f=,,,,,&p=1",
            async (next, c) =>
            {
                var (url, body) = await Get(next, json, c);
                return Parse(url, body);
            },
            Read,
            // "next" is relative and may leave out the token.
            (answer, _) => answer.Text("next") is { } more ? (true, more.Contains("vqd=") ? more : $"{more}&vqd={EscapeDataString(token)}") : (false, ""),
            cancellation);
        await foreach (var result in pages)
            yield return result;
    }

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from item in answer.Items("results")
        let image = item.Text("image")
        where image is not null
        select new ImageResult(image, item.Text("thumbnail"), item.Int("width"), item.Int("height"), null, null, item.Text("url"));

    async Task<string> TokenAsync(string query, (string, string)[] headers, CancellationToken cancellation)
    {
        var (url, body) = await Get($"?q={EscapeDataString(query)}&iax=images&ia=images", headers, cancellation);
        var match = VqdPattern().Match(Encoding.UTF8.GetString(body));
        return match.Success
            ? match.Groups["vqd"].Value
            : throw new ImageSearchException($"ddg: DuckDuckGo answered with a page without a search token (vqd), most likely a challenge for automated use ({url.GetLeftPart(UriPartial.Path)}). Wait a while, or use --provider auto, openverse or wikimedia.");
    }

    /// <summary>A challenge page instead of JSON is DuckDuckGo's block too.</summary>
    JsonElement Parse(Uri url, byte[] body)
    {
        try
        {
            return api.Parse(url, body);
        }
        catch (ImageSearchException e)
        {
            throw new ImageSearchException($"ddg: DuckDuckGo answered with a web page instead of results, most likely a challenge for automated use. Wait a while, or use --provider auto, openverse or wikimedia.", e);
        }
    }

    async Task<(Uri Url, byte[] Body)> Get(string relative, (string, string)[] headers, CancellationToken cancellation)
    {
        await _pacer.WaitAsync(cancellation);
        try
        {
            return await api.GetAsync(relative, headers, cancellation, RateLimited);
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: { } status } && RateLimited.Contains((int)status))
        {
            throw new ImageSearchException(
                $"ddg: DuckDuckGo is limiting automated searches (HTTP {(int)status}); retrying at once only prolongs the block. Wait a few minutes, or use --provider auto, openverse or wikimedia.", e);
        }
    }

    [GeneratedRegex("""vqd=["']?(?<vqd>[\w-]+)""")]
    private static partial Regex VqdPattern();
}
