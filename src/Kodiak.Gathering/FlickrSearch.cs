using System.Globalization;
using System.Text.Json;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Flickr, key in <c>FLICKR_API_KEY</c>. <c>GET /services/rest/?method=flickr.photos.search&amp;extras=url_l,url_o,…
/// &amp;format=json&amp;nojsoncallback=1</c> → <c>{"stat":"ok","photos":{"page","pages","photo":[{"id","owner","url_l","width_l",
/// "height_l","url_o","ownername","license"}]}}</c>; failures come as HTTP 200 with <c>{"stat":"fail","code":100,"message"}</c>
/// (code 100: invalid API key), per the Flickr API documentation of flickr.photos.search. Codes 105 and 201 ("service currently
/// unavailable") are temporary and retried like a 503. A search gives at most its first 4,000 results.
/// </summary>
internal sealed class FlickrSearch(SearchApi api, string key) : IImageSearch
{
    public const string DefaultEndpoint = "https://api.flickr.com/";
    public const string KeyVariable = "FLICKR_API_KEY";

    const int PageLimit = 500;
    const string InvalidKeyCode = "100";
    const int MaxResults = 4000;
    static readonly HashSet<string> Unavailable = ["105", "201"];

    // flickr.photos.licenses.getInfo's ids; 11 to 16 are the CC 4.0 licences Flickr added in 2025.
    static readonly string[] Licences =
    [
        "All Rights Reserved", "CC BY-NC-SA 2.0", "CC BY-NC 2.0", "CC BY-NC-ND 2.0", "CC BY 2.0", "CC BY-SA 2.0", "CC BY-ND 2.0",
        "No known copyright restrictions", "United States Government Work", "CC0 1.0", "Public Domain Mark 1.0",
        "CC BY 4.0", "CC BY-SA 4.0", "CC BY-ND 4.0", "CC BY-NC 4.0", "CC BY-NC-SA 4.0", "CC BY-NC-ND 4.0",
    ];

    public string Name => "flickr";

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default) =>
        Paging.Pages(1,
            (page, c) => GetPageAsync(query, Math.Min(max, PageLimit), page, c),
            Read,
            (answer, page) => (page < (answer.Int("photos", "pages") ?? 0) && (page + 1) * Math.Min(max, PageLimit) <= MaxResults, page + 1),
            cancellation).Take(max);

    async Task<JsonElement> GetPageAsync(string query, int pageSize, int page, CancellationToken cancellation)
    {
        string request = string.Create(CultureInfo.InvariantCulture,
            $"services/rest/?method=flickr.photos.search&api_key={EscapeDataString(key)}&text={EscapeDataString(query)}&extras=url_l,url_o,owner_name,license&sort=relevance&content_type=1&media=photos&per_page={pageSize}&page={page}&format=json&nojsoncallback=1");
        for (int attempt = 0; ; attempt++)
        {
            var answer = await api.GetJsonAsync(request, cancellation);
            if (answer.Text("stat") != "fail") return answer;
            string message = answer.Text("message") ?? "no message";
            string? code = answer.Text("code");
            if (code == InvalidKeyCode) throw api.RejectedKey(message);
            if (code is null || !Unavailable.Contains(code))
                throw new ImageSearchException($"flickr refused the search: {message}");
            // Flickr says "temporarily unavailable" with status 200, so the fetcher's retries never see it.
            if (attempt == api.Options.Retries)
                throw new ImageSearchException($"flickr is unavailable (error {code}: {message}; tried {attempt + 1} times). Try again later, or use --provider auto.");
            var delay = TimeSpan.FromTicks(Math.Min(api.Options.RetryDelay.Ticks << attempt, api.Options.MaxRetryDelay.Ticks));
            api.Notice(string.Create(CultureInfo.InvariantCulture, $"flickr: error {code} ({message}); retry {attempt + 1} of {api.Options.Retries} in {delay.TotalSeconds:0.#} s"));
            await Task.Delay(delay, api.Time, cancellation);
        }
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
