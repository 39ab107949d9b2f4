using System.Globalization;
using System.Runtime.CompilerServices;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Pexels, key in <c>PEXELS_API_KEY</c> sent as the <c>Authorization</c> header (no "Bearer").
/// <c>GET /v1/search?query=&amp;per_page=&amp;page=</c> (at most 80 per page) →
/// <c>{"photos":[{"url","photographer","width","height","src":{"original","medium"}}],"next_page"}</c>, per the
/// Pexels API documentation (pexels.com/api/documentation, "Search for Photos"). Every photo is under the Pexels licence.
/// </summary>
internal sealed class PexelsSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.pexels.com/";
    public const string KeyVariable = "PEXELS_API_KEY";

    const int PageLimit = 80;

    public string Name => "pexels";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, Math.Min(max, PageLimit), cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, int pageSize, [EnumeratorCancellation] CancellationToken cancellation)
    {
        for (int page = 1; ; page++)
        {
            var answer = await api.GetJsonAsync(
                string.Create(CultureInfo.InvariantCulture, $"v1/search?query={EscapeDataString(query)}&per_page={pageSize}&page={page}"),
                cancellation, ("Authorization", key));
            int count = 0;
            foreach (var photo in answer.Items("photos"))
            {
                if (photo.Text("src", "original") is not { } url) continue;
                count++;
                yield return new ImageResult(url, photo.Text("src", "medium"), photo.Int("width"), photo.Int("height"),
                    "Pexels License", photo.Text("photographer"), photo.Text("url"));
            }

            // Pexels' next_page is an absolute URL on its own host; follow the page number so --endpoint is kept.
            if (count == 0 || answer.Text("next_page") is null) yield break;
        }
    }
}
