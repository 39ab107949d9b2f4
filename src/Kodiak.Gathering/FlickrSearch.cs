using System.Globalization;
using System.Text.Json;
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
        Paging.Pages(1,
            (page, c) => GetPageAsync(query, Math.Min(max, PageLimit), page, c),
            Read,
            (answer, page) => (page < (answer.Int("photos", "pages") ?? 0), page + 1),
            cancellation).Take(max);

    async Task<JsonElement> GetPageAsync(string query, int pageSize, int page, CancellationToken cancellation)
    {
        var answer = await api.GetJsonAsync(string.Create(CultureInfo.InvariantCulture,
            $"services/rest/?method=flickr.photos.search&api_key={EscapeDataString(key)}&text={EscapeDataString(query)}&extras=url_l,url_o,owner_name,license&sort=relevance&content_type=1&media=photos&per_page={pageSize}&page={page}&format=json&nojsoncallback=1"),
            cancellation);
        if (answer.Text("stat") != "fail") return answer;
        string message = answer.Text("message") ?? "no message";
        throw answer.Text("code") == InvalidKeyCode ? api.RejectedKey(message) : new ImageSearchException($"flickr refused the search: {message}");
    }

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from photo in answer.Items("photos", "photo")
            // The large size suits training; the original only when there is no large one.
        let size = photo.Text("url_l") is not null ? "l" : "o"
        let url = photo.Text($"url_{size}")
        where url is not null
        let licence = photo.Int("license") is int id ? (id >= 0 && id < Licences.Length ? Licences[id] : $"Flickr licence {id}") : null
        let page = photo.Text("owner") is { } owner && photo.Text("id") is { } photoId ? $"https://www.flickr.com/photos/{owner}/{photoId}" : null
        select new ImageResult(url, null, photo.Int($"width_{size}"), photo.Int($"height_{size}"), licence, photo.Text("ownername"), page);
}
