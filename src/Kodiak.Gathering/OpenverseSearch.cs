using System.Globalization;
using System.Text.Json;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Openverse (openly licensed images), no key needed; an optional token in <c>OPENVERSE_TOKEN</c> raises the rate limit.
/// <c>GET /v1/images/?q=&amp;page=&amp;page_size=</c> → <c>{"page_count", "results":[{"url","thumbnail","width","height",
/// "license","license_version","creator","foreign_landing_url"}]}</c>, as in the Openverse API's Image schema
/// (api.openverse.org/v1/schema/Image).
/// </summary>
internal sealed class OpenverseSearch(SearchApi api, string? token) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.openverse.org/";
    public const string TokenVariable = "OPENVERSE_TOKEN";

    // Anonymous requests may ask for at most 20 per page.
    const int PageLimit = 20;

    public string Name => "openverse";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default)
    {
        (string, string)[] headers = token is null ? [] : [("Authorization", $"Bearer {token}")];
        return Paging.Pages(1,
            (page, c) => api.GetJsonAsync(string.Create(CultureInfo.InvariantCulture,
                $"v1/images/?q={EscapeDataString(query)}&page={page}&page_size={Math.Min(max, PageLimit)}"), c, headers),
            Read,
            (answer, page) => (page < (answer.Int("page_count") ?? 0), page + 1),
            cancellation).Take(max);
    }

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from item in answer.Items("results")
        let url = item.Text("url")
        where url is not null
        let licence = item.Text("license") is { } code ? $"{code} {item.Text("license_version")}".TrimEnd() : null
        select new ImageResult(url, item.Text("thumbnail"), item.Int("width"), item.Int("height"), licence, item.Text("creator"), item.Text("foreign_landing_url"));
}
