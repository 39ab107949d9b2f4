using System.Globalization;
using System.Net;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Brave Search's image API, key in <c>BRAVE_SEARCH_KEY</c> sent as <c>X-Subscription-Token</c>.
/// <c>GET /res/v1/images/search?q=&amp;count=</c> (count at most 200, no offset: one page) →
/// <c>{"results":[{"url","thumbnail":{"src"},"properties":{"url","width","height"}}]}</c>, per Brave's
/// "Image Search API – Response Objects" documentation. A bad key is HTTP 422 with the error code
/// <c>SUBSCRIPTION_TOKEN_INVALID</c> (as reported against Brave's API by its users); calls are paced a second apart, the free plan's rate.
/// </summary>
internal sealed class BraveSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.search.brave.com/";
    public const string KeyVariable = "BRAVE_SEARCH_KEY";

    public const int PageLimit = 200;

    readonly Pacer _pacer = new(TimeSpan.FromSeconds(1), api.Time);

    public string Name => "brave";

    public async IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await _pacer.WaitAsync(cancellation);
        System.Text.Json.JsonElement answer;
        try
        {
            answer = await api.GetJsonAsync(
                string.Create(CultureInfo.InvariantCulture, $"res/v1/images/search?q={EscapeDataString(query)}&count={Math.Min(max, PageLimit)}"),
                cancellation, ("X-Subscription-Token", key), ("Accept", "application/json"));
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: (HttpStatusCode)422 } invalid
            && invalid.Body?.Contains("SUBSCRIPTION_TOKEN_INVALID", StringComparison.Ordinal) == true)
        {
            throw new ImageSearchException($"brave rejected the key in {KeyVariable} (HTTP 422 SUBSCRIPTION_TOKEN_INVALID): check {KeyVariable}.", e);
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.TooManyRequests })
        {
            throw new ImageSearchException("brave: rate limit or monthly quota reached (HTTP 429); see your plan's limits in Brave's API dashboard, or use --provider auto.", e);
        }

        var results =
            from item in answer.Items("results")
            let url = item.Text("properties", "url")
            where url is not null
            select new ImageResult(url, item.Text("thumbnail", "src"), item.Int("properties", "width"), item.Int("properties", "height"), null, null, item.Text("url"));
        foreach (var result in results.Take(max))
            yield return result;
    }
}
