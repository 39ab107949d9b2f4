using System.Globalization;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Brave Search's image API, key in <c>BRAVE_SEARCH_KEY</c> sent as <c>X-Subscription-Token</c>.
/// <c>GET /res/v1/images/search?q=&amp;count=</c> (count at most 200, no offset: one page) →
/// <c>{"results":[{"url","thumbnail":{"src"},"properties":{"url","width","height"}}]}</c>, per Brave's
/// "Image Search API – Response Objects" documentation.
/// </summary>
internal sealed class BraveSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.search.brave.com/";
    public const string KeyVariable = "BRAVE_SEARCH_KEY";

    const int PageLimit = 200;

    public string Name => "brave";

    public async IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var answer = await api.GetJsonAsync(
            string.Create(CultureInfo.InvariantCulture, $"res/v1/images/search?q={EscapeDataString(query)}&count={Math.Min(max, PageLimit)}"),
            cancellation, ("X-Subscription-Token", key), ("Accept", "application/json"));
        var results =
            from item in answer.Items("results")
            let url = item.Text("properties", "url")
            where url is not null
            select new ImageResult(url, item.Text("thumbnail", "src"), item.Int("properties", "width"), item.Int("properties", "height"), null, null, item.Text("url"));
        foreach (var result in results.Take(max))
            yield return result;
    }
}
