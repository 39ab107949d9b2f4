using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Wikimedia Commons, no key. The MediaWiki Action API (<c>/w/api.php</c>) with
/// <c>generator=search&amp;gsrnamespace=6&amp;prop=imageinfo&amp;iiprop=url|size|extmetadata</c>, <c>formatversion=2</c>:
/// <c>{"continue":{…},"query":{"pages":[{"index","imageinfo":[{"url","thumburl","descriptionurl","width","height","extmetadata"}]}]}}</c>;
/// the next page repeats the request with every field of <c>continue</c> (MediaWiki's API:Continue).
/// </summary>
internal sealed partial class WikimediaSearch(SearchApi api) : IImageSearch
{
    public const string DefaultEndpoint = "https://commons.wikimedia.org/";

    // The most a client without bot rights may ask for at once.
    const int PageLimit = 50;

    public string Name => "wikimedia";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, Math.Min(max, PageLimit), cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, int pageSize, [EnumeratorCancellation] CancellationToken cancellation)
    {
        string request = string.Create(CultureInfo.InvariantCulture,
            $"w/api.php?action=query&format=json&formatversion=2&generator=search&gsrsearch={EscapeDataString(query)}&gsrnamespace=6&gsrlimit={pageSize}&prop=imageinfo&iiprop=url|size|extmetadata&iiurlwidth=320&iiextmetadatafilter=LicenseShortName|Artist");
        string resume = "";
        while (true)
        {
            var answer = await api.GetJsonAsync(request + resume, cancellation);
            if (answer.Text("error", "info") is { } error)
                throw new ImageSearchException($"wikimedia refused the search: {error}");
            // Generator results come unordered; "index" is the search rank.
            var pages = answer.Items("query", "pages").OrderBy(p => p.Int("index") ?? int.MaxValue).ToList();
            foreach (var page in pages)
            {
                var info = page.Items("imageinfo").FirstOrDefault();
                if (info.Text("url") is not { } url) continue;
                string? artist = info.Text("extmetadata", "Artist", "value") is { } html ? PlainText(html) : null;
                yield return new ImageResult(url, info.Text("thumburl"), info.Int("width"), info.Int("height"),
                    info.Text("extmetadata", "LicenseShortName", "value"), artist, info.Text("descriptionurl"));
            }

            if (pages.Count == 0 || answer.Get("continue") is not { } more) yield break;
            var next = new StringBuilder();
            foreach (var field in more.EnumerateObject())
                next.Append('&').Append(EscapeDataString(field.Name)).Append('=').Append(EscapeDataString(field.Value.ToString()));
            resume = next.ToString();
        }
    }

    /// <summary>Commons gives the artist as HTML (usually a link); keep the words.</summary>
    static string PlainText(string html) => WebUtility.HtmlDecode(Tags().Replace(html, "")).Trim();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
