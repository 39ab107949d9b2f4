using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// DuckDuckGo images, no key. There is no documented API: the page <c>/?q=…&amp;iax=images&amp;ia=images</c> carries a
/// <c>vqd</c> token, and <c>/i.js?q=…&amp;vqd=…&amp;o=json</c> answers <c>{"results":[{"image","thumbnail","url","width","height"}],"next":"i.js?…"}</c>,
/// only with a Referer. Shape checked against widely used clients (deepanprabhu/duckduckgo-images-api and its forks).
/// DuckDuckGo often answers 403 to automated use: that is retried with backoff, said on each retry, and explained if it persists.
/// </summary>
internal sealed partial class DuckDuckGoSearch(SearchApi api) : IImageSearch
{
    public const string DefaultEndpoint = "https://duckduckgo.com/";

    public string Name => "ddg";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, [EnumeratorCancellation] CancellationToken cancellation)
    {
        (string, string)[] referer = [("Referer", api.Url("").AbsoluteUri)];
        string token = await TokenAsync(query, referer, cancellation);
        var pages = Paging.Pages(
            $"i.js?l=us-en&o=json&q={EscapeDataString(query)}&vqd={EscapeDataString(token)}&f=,,,,,&p=1",
            async (next, c) =>
            {
                var (url, body) = await Get(next, referer, c);
                return api.Parse(url, body);
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

    async Task<string> TokenAsync(string query, (string, string)[] referer, CancellationToken cancellation)
    {
        var (url, body) = await Get($"?q={EscapeDataString(query)}&iax=images&ia=images", referer, cancellation);
        var match = VqdPattern().Match(Encoding.UTF8.GetString(body));
        return match.Success
            ? match.Groups["vqd"].Value
            : throw new ImageSearchException($"ddg: no search token (vqd) in the page {url.GetLeftPart(UriPartial.Path)}; DuckDuckGo may have changed its page. Try --provider openverse or wikimedia.");
    }

    async Task<(Uri Url, byte[] Body)> Get(string relative, (string, string)[] referer, CancellationToken cancellation)
    {
        try
        {
            return await api.GetAsync(relative, referer, retryForbidden: true, cancellation);
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: System.Net.HttpStatusCode.Forbidden })
        {
            throw new ImageSearchException(
                "ddg: DuckDuckGo keeps refusing the search (HTTP 403); it limits automated searches. Wait a few minutes, or use --provider openverse or wikimedia.", e);
        }
    }

    [GeneratedRegex("""vqd=["']?(?<vqd>[\w-]+)""")]
    private static partial Regex VqdPattern();
}
