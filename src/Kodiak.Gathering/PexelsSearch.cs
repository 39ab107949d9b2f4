using System.Globalization;
using System.Net;
using System.Text.Json;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Pexels, key in <c>PEXELS_API_KEY</c> sent as the <c>Authorization</c> header (no "Bearer").
/// <c>GET /v1/search?query=&amp;per_page=&amp;page=</c> (at most 80 per page) →
/// <c>{"photos":[{"url","photographer","width","height","src":{"original","large2x","large","medium"}}],"next_page"}</c>, per the
/// Pexels API documentation (pexels.com/api/documentation, "Search for Photos"). The image taken is <c>src.large</c>
/// (scaled to fit 940 × 650), plenty for training and a fraction of the original. Every photo is under the Pexels licence.
/// The API allows 200 requests an hour and 20,000 a month by default; past that it answers 429 without Retry-After,
/// so a 429 is not retried.
/// </summary>
internal sealed class PexelsSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.pexels.com/";
    public const string KeyVariable = "PEXELS_API_KEY";

    public const int PageLimit = 80;

    static readonly IReadOnlySet<int> Quota = new HashSet<int> { 429 };

    public string Name => "pexels";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Paging.Pages(1,
            (page, c) => GetPageAsync(string.Create(CultureInfo.InvariantCulture,
                $"v1/search?query={EscapeDataString(query)}&per_page={Math.Min(max, PageLimit)}&page={page}"), c),
            Read,
            // next_page is an absolute URL on Pexels' own host; counting pages keeps --endpoint in force.
            (answer, page) => (answer.Text("next_page") is not null, page + 1),
            cancellation).Take(max);

    async Task<JsonElement> GetPageAsync(string request, CancellationToken cancellation)
    {
        try
        {
            var (url, body) = await api.GetAsync(request, [("Authorization", key)], cancellation, Quota);
            return api.Parse(url, body);
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.TooManyRequests })
        {
            throw new ImageSearchException(
                "pexels: the key's quota is used up (HTTP 429). Pexels allows 200 requests an hour and 20,000 a month; quick retries cannot help. Wait for the quota to reset, or use --provider auto.", e);
        }
    }

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from photo in answer.Items("photos")
        let large = photo.Text("src", "large")
        let url = large ?? photo.Text("src", "original")
        where url is not null
        // The scaled size is not given; the original's would mislead.
        select new ImageResult(url, photo.Text("src", "medium"), large is null ? photo.Int("width") : null, large is null ? photo.Int("height") : null,
            "Pexels License", photo.Text("photographer"), photo.Text("url"));
}
