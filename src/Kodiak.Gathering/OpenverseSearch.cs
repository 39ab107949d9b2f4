using System.Globalization;
using System.Runtime.CompilerServices;
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

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, Math.Min(max, PageLimit), cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, int pageSize, [EnumeratorCancellation] CancellationToken cancellation)
    {
        (string, string)[] headers = token is null ? [] : [("Authorization", $"Bearer {token}")];
        for (int page = 1; ; page++)
        {
            var answer = await api.GetJsonAsync(
                string.Create(CultureInfo.InvariantCulture, $"v1/images/?q={EscapeDataString(query)}&page={page}&page_size={pageSize}"), cancellation, headers);
            int count = 0;
            foreach (var item in answer.Items("results"))
            {
                if (item.Text("url") is not { } url) continue;
                count++;
                string? licence = item.Text("license") is { } code ? $"{code} {item.Text("license_version")}".TrimEnd() : null;
                yield return new ImageResult(url, item.Text("thumbnail"), item.Int("width"), item.Int("height"), licence, item.Text("creator"), item.Text("foreign_landing_url"));
            }

            if (count == 0 || page >= (answer.Int("page_count") ?? 0)) yield break;
        }
    }
}
