using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Wikimedia Commons, no key. The MediaWiki Action API (<c>/w/api.php</c>) with
/// <c>generator=search&amp;gsrnamespace=6&amp;prop=imageinfo&amp;iiprop=url|size|extmetadata</c>, <c>formatversion=2</c>:
/// <c>{"continue":{…},"query":{"pages":[{"index","imageinfo":[{"url","thumburl","descriptionurl","width","height","extmetadata"}]}]}}</c>;
/// the next page repeats the request with every field of <c>continue</c> (MediaWiki's API:Continue).
/// Only bitmaps are searched (CirrusSearch's <c>filetype:bitmap</c>, as SearXNG's wikicommons engine does), and files whose
/// <c>mime</c> is not a photo format are dropped too; the image taken is the <see cref="TrainingWidth"/>-pixel thumbnail
/// (<c>iiurlwidth</c> → <c>thumburl</c>), not the original, which can be tens of megabytes. Every request carries Kodiak's
/// User-Agent with the project's URL and the user's <c>--contact</c>, as Wikimedia's User-Agent policy requires.
/// </summary>
internal sealed partial class WikimediaSearch(SearchApi api) : IImageSearch
{
    public const string DefaultEndpoint = "https://commons.wikimedia.org/";

    // The most a client without bot rights may ask for at once.
    const int PageLimit = 50;

    /// <summary>Wide enough for any training size Kodiak uses; Commons renders it as JPEG or PNG whatever the original.</summary>
    public const int TrainingWidth = 1024;

    // TIFF originals come with a JPEG thumbnail, so they are usable once scaled.
    static readonly HashSet<string> Photos = ["image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"];

    public string Name => "wikimedia";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default)
    {
        string request = string.Create(CultureInfo.InvariantCulture,
            $"w/api.php?action=query&format=json&formatversion=2&generator=search&gsrsearch={EscapeDataString("filetype:bitmap " + query)}&gsrnamespace=6&gsrlimit={Math.Min(max, PageLimit)}&prop=imageinfo&iiprop=url|size|mime|extmetadata&iiurlwidth={TrainingWidth}&iiextmetadatafilter=LicenseShortName|Artist");
        return Paging.Pages("", (resume, c) => GetPageAsync(request + resume, c), Read, (answer, _) => Continue(answer), cancellation).Take(max);
    }

    async Task<JsonElement> GetPageAsync(string request, CancellationToken cancellation)
    {
        JsonElement answer;
        try
        {
            answer = await api.GetJsonAsync(request, cancellation);
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.Forbidden })
        {
            throw new ImageSearchException(
                $"wikimedia refused the search (HTTP 403): Wikimedia blocks clients whose User-Agent gives no way to reach their operator. Add --contact you@example.org (or set {GatherOptions.ContactVariable}).", e);
        }

        return answer.Text("error", "info") is { } error ? throw new ImageSearchException($"wikimedia refused the search: {error}") : answer;
    }

    /// <summary>Generator results come unordered; "index" is the search rank.</summary>
    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from page in answer.Items("query", "pages")
        orderby page.Int("index") ?? int.MaxValue
        let info = page.Items("imageinfo").FirstOrDefault()
        where info.Text("mime") is { } mime && Photos.Contains(mime)
        // The thumbnail is only given (and only smaller) for originals wider than TrainingWidth.
        let url = info.Text("thumburl") ?? info.Text("url")
        where url is not null
        let artist = info.Text("extmetadata", "Artist", "value") is { } html ? PlainText(html) : null
        select new ImageResult(url, info.Text("thumburl"), info.Int("thumbwidth") ?? info.Int("width"), info.Int("thumbheight") ?? info.Int("height"),
            info.Text("extmetadata", "LicenseShortName", "value"), artist, info.Text("descriptionurl"));

    static (bool More, string Next) Continue(JsonElement answer)
    {
        if (answer.Get("continue") is not { } fields) return (false, "");
        var next = new StringBuilder();
        foreach (var field in fields.EnumerateObject())
            next.Append('&').Append(EscapeDataString(field.Name)).Append('=').Append(EscapeDataString(field.Value.ToString()));
        return (true, next.ToString());
    }

    /// <summary>Commons gives the artist as HTML (usually a link); keep the words.</summary>
    static string PlainText(string html) => WebUtility.HtmlDecode(Tags().Replace(html, "")).Trim();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
