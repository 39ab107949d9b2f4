using System.Globalization;
using System.Runtime.CompilerServices;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Flickr, key in <c>FLICKR_API_KEY</c>. <c>GET /services/rest/?method=flickr.photos.search&amp;extras=url_l,url_o,…
/// &amp;format=json&amp;nojsoncallback=1</c> → <c>{"stat":"ok","photos":{"page","pages","photo":[{"id","owner","url_l","width_l",
/// "height_l","url_o","ownername","license"}]}}</c>; failures come as HTTP 200 with <c>{"stat":"fail","code":100,"message"}</c>
/// (code 100: invalid API key), per the Flickr API documentation of flickr.photos.search.
/// </summary>
internal sealed class FlickrSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.flickr.com/";
    public const string KeyVariable = "FLICKR_API_KEY";

    const int PageLimit = 500;
    const string InvalidKeyCode = "100";

    // flickr.photos.licenses.getInfo's ids.
    static readonly string[] Licences =
    [
        "All Rights Reserved", "CC BY-NC-SA 2.0", "CC BY-NC 2.0", "CC BY-NC-ND 2.0", "CC BY 2.0", "CC BY-SA 2.0", "CC BY-ND 2.0",
        "No known copyright restrictions", "United States Government Work", "CC0 1.0", "Public Domain Mark 1.0",
    ];

    public string Name => "flickr";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Pages(query, Math.Min(max, PageLimit), cancellation).Take(max);

    async IAsyncEnumerable<ImageResult> Pages(string query, int pageSize, [EnumeratorCancellation] CancellationToken cancellation)
    {
        for (int page = 1; ; page++)
        {
            var answer = await api.GetJsonAsync(string.Create(CultureInfo.InvariantCulture,
                $"services/rest/?method=flickr.photos.search&api_key={EscapeDataString(key)}&text={EscapeDataString(query)}&extras=url_l,url_o,owner_name,license&sort=relevance&content_type=1&media=photos&per_page={pageSize}&page={page}&format=json&nojsoncallback=1"), cancellation);
            if (answer.Text("stat") == "fail")
            {
                string message = answer.Text("message") ?? "no message";
                if (answer.Text("code") == InvalidKeyCode) throw api.RejectedKey(message);
                throw new ImageSearchException($"flickr refused the search: {message}");
            }

            int count = 0;
            foreach (var photo in answer.Items("photos", "photo"))
            {
                // The large size suits training; the original only when there is no large one.
                string suffix = photo.Text("url_l") is not null ? "l" : "o";
                if (photo.Text($"url_{suffix}") is not { } url) continue;
                count++;
                string? licence = photo.Int("license") is int id ? (id >= 0 && id < Licences.Length ? Licences[id] : $"Flickr licence {id}") : null;
                string? sourcePage = photo.Text("owner") is { } owner && photo.Text("id") is { } photoId ? $"https://www.flickr.com/photos/{owner}/{photoId}" : null;
                yield return new ImageResult(url, null, photo.Int($"width_{suffix}"), photo.Int($"height_{suffix}"), licence, photo.Text("ownername"), sourcePage);
            }

            if (count == 0 || page >= (answer.Int("photos", "pages") ?? 0)) yield break;
        }
    }
}
