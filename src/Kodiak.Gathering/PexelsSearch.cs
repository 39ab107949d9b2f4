using System.Globalization;
using System.Text.Json;
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
        Paging.Pages(1,
            (page, c) => api.GetJsonAsync(string.Create(CultureInfo.InvariantCulture,
                $"v1/search?query={EscapeDataString(query)}&per_page={Math.Min(max, PageLimit)}&page={page}"), c, ("Authorization", key)),
            Read,
            // next_page is an absolute URL on Pexels' own host; counting pages keeps --endpoint in force.
            (answer, page) => (answer.Text("next_page") is not null, page + 1),
            cancellation).Take(max);

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from photo in answer.Items("photos")
        let url = photo.Text("src", "original")
        where url is not null
        select new ImageResult(url, photo.Text("src", "medium"), photo.Int("width"), photo.Int("height"), "Pexels License", photo.Text("photographer"), photo.Text("url"));
}
