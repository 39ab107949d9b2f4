using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kodiak.Testing;

/// <summary>
/// A fake of the web on 127.0.0.1 (Kestrel, a free port): the six image-search APIs in their own JSON shapes,
/// the sample clip-art images, and hostile answers (slow, 404, 500, 429, redirects, HTML as .jpg, truncated,
/// endless, duplicates). Every provider pages <see cref="PageSize"/> results at a time, whatever is asked for.
/// </summary>
public sealed class FakeWeb : IAsyncDisposable
{
    /// <summary>The only key the keyed providers accept.</summary>
    public const string Key = "test-key";

    /// <summary>DuckDuckGo's search token on this server.</summary>
    public const string Vqd = "4-31415926535897932384";

    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, int> _requests = new();
    readonly ConcurrentDictionary<string, Queue<(int Status, int? RetryAfter)>> _refusals = new();

    FakeWeb(WebApplication app, IReadOnlyDictionary<string, byte[]> images)
    {
        _app = app;
        Images = images;
        app.Run(HandleAsync);
    }

    /// <summary>The server's base address, ending in a slash.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The sample images served under <c>img/NAME</c>, by file name.</summary>
    public IReadOnlyDictionary<string, byte[]> Images { get; }

    /// <summary>Search results per query: image URLs (use <see cref="Image"/> and <see cref="Hostile"/>).</summary>
    public ConcurrentDictionary<string, IReadOnlyList<string>> Results { get; } = new();

    /// <summary>Results per page, for every provider.</summary>
    public int PageSize { get; set; } = 3;

    /// <summary>How long <c>slow.jpg</c> takes to start answering, unless its query says <c>?ms=N</c>.</summary>
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(20);

    public static async Task<FakeWeb> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var web = new FakeWeb(builder.Build(), LoadSamples());
        await web._app.StartAsync();
        web.Url = new Uri(web._app.Urls.Single().TrimEnd('/') + "/");
        return web;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The URL of sample image <paramref name="name"/>.</summary>
    public string Image(string name) => new Uri(Url, "img/" + name).AbsoluteUri;

    /// <summary>The URL of a hostile case, e.g. <c>Hostile("missing.jpg")</c>.</summary>
    public string Hostile(string path) => new Uri(Url, path).AbsoluteUri;

    /// <summary>Requests received for <paramref name="path"/> (e.g. "img/bee.jpg" or "v1/search").</summary>
    public int Requests(string path) => _requests.GetValueOrDefault("/" + path.TrimStart('/'));

    /// <summary>Requests received for images and hostile cases, i.e. downloads (not searches).</summary>
    public int Downloads => _requests.Where(r => !SearchPaths.Contains(r.Key)).Sum(r => r.Value);

    /// <summary>The next <paramref name="times"/> requests for <paramref name="path"/> get <paramref name="status"/>.</summary>
    public void Refuse(string path, int status, int times = 1, int? retryAfterSeconds = null)
    {
        var queue = _refusals.GetOrAdd("/" + path.TrimStart('/'), _ => new Queue<(int, int?)>());
        lock (queue)
            for (int i = 0; i < times; i++) queue.Enqueue((status, retryAfterSeconds));
    }

    static readonly HashSet<string> SearchPaths = ["/", "/i.js", "/v1/images/", "/w/api.php", "/res/v1/images/search", "/v1/search", "/services/rest/"];

    static IReadOnlyDictionary<string, byte[]> LoadSamples()
    {
        string folder = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(folder, "samples", "clipart")))
            folder = Path.GetDirectoryName(folder) ?? throw new DirectoryNotFoundException("samples/clipart not found above " + AppContext.BaseDirectory);
        return ImageFiles.Get(Path.Combine(folder, "samples", "clipart")).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    }

    async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string path = request.Path.Value ?? "/";
        _requests.AddOrUpdate(path, 1, (_, n) => n + 1);
        if (_refusals.TryGetValue(path, out var queue))
        {
            (int Status, int? RetryAfter)? refusal = null;
            lock (queue)
                if (queue.Count > 0) refusal = queue.Dequeue();
            if (refusal is { } r)
            {
                response.StatusCode = r.Status;
                if (r.RetryAfter is int seconds) response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return;
            }
        }

        var q = request.Query;
        switch (path)
        {
            case "/":
                await Html(response, $"<html><script>DDG.deep.initialize('/d.js?q=x&vqd={Vqd}&l=us-en');vqd=\"{Vqd}\";</script></html>");
                return;
            case "/i.js":
                await DuckDuckGo(request, response);
                return;
            case "/v1/images/":
                await Openverse(response, q["q"]!, Int(q["page"], 1));
                return;
            case "/w/api.php":
                await Wikimedia(response, q);
                return;
            case "/res/v1/images/search":
                await Brave(request, response);
                return;
            case "/v1/search":
                await Pexels(request, response);
                return;
            case "/services/rest/":
                await Flickr(response, q);
                return;
        }

        if (path.StartsWith("/img/", StringComparison.Ordinal) && Images.TryGetValue(path[5..], out var image))
        {
            await Bytes(response, "image/jpeg", image);
            return;
        }

        if (path.StartsWith("/copy/", StringComparison.Ordinal) && Images.TryGetValue(path[6..], out var copy))
        {
            await Bytes(response, "image/jpeg", copy);
            return;
        }

        if (path.StartsWith("/portal/", StringComparison.Ordinal))
        {
            // A captive portal or misconfigured proxy: 200, but a web page whatever is asked.
            await Html(response, "<!DOCTYPE html><html><body>Please log in to the Wi-Fi</body></html>");
            return;
        }

        if (path.StartsWith("/loop/", StringComparison.Ordinal))
        {
            response.Redirect($"/loop/{Int(path[6..], 0) + 1}");
            return;
        }

        byte[] first = Images.OrderBy(i => i.Key, StringComparer.Ordinal).First().Value;
        switch (path)
        {
            case "/slow.jpg":
                await Task.Delay(q.ContainsKey("ms") ? TimeSpan.FromMilliseconds(Int(q["ms"], 0)) : SlowDelay, context.RequestAborted);
                await Bytes(response, "image/jpeg", first);
                return;
            case "/missing.jpg":
                response.StatusCode = 404;
                return;
            case "/broken.jpg":
                response.StatusCode = 500;
                return;
            case "/moved.jpg":
                response.Redirect("/img/" + Images.Keys.Order(StringComparer.Ordinal).Last());
                return;
            case "/redirect":
                response.Redirect(q["to"]!);
                return;
            case "/headers":
                await JsonAnswer(response, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()));
                return;
            case "/to-file.jpg":
                response.Redirect("file:///etc/passwd");
                return;
            case "/page.jpg":
                await Bytes(response, "image/jpeg", Encoding.UTF8.GetBytes("<!DOCTYPE html><html><body>Not found, but 200</body></html>"));
                return;
            case "/truncated.jpg":
                await Bytes(response, "image/jpeg", first[..(first.Length * 6 / 10)]);
                return;
            case "/png.jpg":
                await Bytes(response, "image/jpeg", ImageEncoder.Encode(TestImages.Photo(40, 30), ImageFormat.Png));
                return;
            case "/endless.jpg":
                response.ContentType = "image/jpeg";
                var chunk = new byte[64 * 1024];
                chunk[0] = 0xFF;
                chunk[1] = 0xD8;
                while (!context.RequestAborted.IsCancellationRequested)
                    await response.Body.WriteAsync(chunk, context.RequestAborted);
                return;
        }

        response.StatusCode = 404;
    }

    List<string> Slice(string query, int offset, int count) =>
        [.. Results.GetValueOrDefault(query, []).Skip(offset).Take(count)];

    int Total(string query) => Results.GetValueOrDefault(query, []).Count;

    int Pages(string query) => (Total(query) + PageSize - 1) / PageSize;

    async Task DuckDuckGo(HttpRequest request, HttpResponse response)
    {
        // The real endpoint refuses requests without the search token or a Referer from its own site.
        if (request.Query["vqd"] != Vqd || !request.Headers.Referer.ToString().StartsWith(Url.AbsoluteUri, StringComparison.Ordinal))
        {
            response.StatusCode = 403;
            return;
        }

        string query = request.Query["q"]!;
        int offset = Int(request.Query["s"], 0);
        var results = Slice(query, offset, PageSize).Select((url, i) => new
        {
            image = url, thumbnail = url + "?thumb", url = $"https://example.org/page{offset + i}", width = 640, height = 480, title = $"result {offset + i}",
        });
        string? next = offset + PageSize < Total(query) ? $"i.js?q={Uri.EscapeDataString(query)}&o=json&s={offset + PageSize}&l=us-en" : null;
        await JsonAnswer(response, new { results, next });
    }

    async Task Openverse(HttpResponse response, string query, int page)
    {
        var results = Slice(query, (page - 1) * PageSize, PageSize).Select((url, i) => new
        {
            id = $"id{i}", url, thumbnail = url + "?thumb", width = 640, height = 480, license = "by", license_version = "2.0",
            creator = $"Creator {(page - 1) * PageSize + i}", foreign_landing_url = $"https://example.org/work{(page - 1) * PageSize + i}",
        });
        await JsonAnswer(response, new { result_count = Total(query), page_count = Pages(query), page_size = PageSize, page, results });
    }

    async Task Wikimedia(HttpResponse response, IQueryCollection q)
    {
        if (q["generator"] != "search" || q["gsrnamespace"] != "6" || q["prop"] != "imageinfo" || !q["iiprop"].ToString().Split('|').Contains("url"))
        {
            await JsonAnswer(response, new { error = new { code = "badparams", info = "not a Commons file search" } });
            return;
        }

        string query = q["gsrsearch"]!;
        int offset = Int(q["gsroffset"], 0);
        // Generator pages come back in no particular order; "index" is the rank.
        var pages = Slice(query, offset, PageSize).Select((url, i) => new
        {
            pageid = 1000 + offset + i, ns = 6, title = $"File:Result {offset + i}.jpg", index = offset + i + 1,
            imageinfo = new[]
            {
                new
                {
                    url, thumburl = url + "?thumb", descriptionurl = $"https://commons.example.org/File:{offset + i}", width = 640, height = 480,
                    extmetadata = new
                    {
                        LicenseShortName = new { value = "CC BY-SA 4.0" },
                        Artist = new { value = $"<a href=\"https://example.org/user\">Artist &amp; {offset + i}</a>" },
                    },
                },
            },
        }).Reverse();
        object answer = offset + PageSize < Total(query)
            ? new { @continue = new { gsroffset = offset + PageSize, @continue = "gsroffset||" }, query = new { pages } }
            : new { batchcomplete = true, query = new { pages } };
        await JsonAnswer(response, answer);
    }

    async Task Brave(HttpRequest request, HttpResponse response)
    {
        if (request.Headers["X-Subscription-Token"] != Key)
        {
            response.StatusCode = 401;
            return;
        }

        string query = request.Query["q"]!;
        var results = Slice(query, 0, Int(request.Query["count"], 50)).Select((url, i) => new
        {
            type = "image_result", title = $"result {i}", url = $"https://example.org/page{i}", source = "example.org",
            thumbnail = new { src = url + "?thumb" }, properties = new { url, placeholder = url + "?tiny", width = 640, height = 480 },
        });
        await JsonAnswer(response, new { type = "images", query = new { original = query }, results });
    }

    async Task Pexels(HttpRequest request, HttpResponse response)
    {
        if (request.Headers.Authorization != Key)
        {
            response.StatusCode = 401;
            return;
        }

        string query = request.Query["query"]!;
        int page = Int(request.Query["page"], 1);
        var photos = Slice(query, (page - 1) * PageSize, PageSize).Select((url, i) => new
        {
            id = (page - 1) * PageSize + i, width = 640, height = 480, url = $"https://www.pexels.com/photo/{(page - 1) * PageSize + i}/",
            photographer = $"Photographer {(page - 1) * PageSize + i}", src = new { original = url, medium = url + "?medium" },
        });
        string? nextPage = page < Pages(query) ? $"https://api.pexels.com/v1/search/?page={page + 1}&per_page={PageSize}&query={Uri.EscapeDataString(query)}" : null;
        await JsonAnswer(response, new { page, per_page = PageSize, photos, total_results = Total(query), next_page = nextPage });
    }

    async Task Flickr(HttpResponse response, IQueryCollection q)
    {
        // Flickr reports errors in the body, with status 200.
        if (q["api_key"] != Key)
        {
            await JsonAnswer(response, new { stat = "fail", code = 100, message = "Invalid API Key (Key has invalid format)" });
            return;
        }

        if (q["method"] != "flickr.photos.search" || !q["extras"].ToString().Split(',').Contains("url_l"))
        {
            await JsonAnswer(response, new { stat = "fail", code = 3, message = "Parameterless searches have been disabled." });
            return;
        }

        string query = q["text"]!;
        int page = Int(q["page"], 1);
        // The first photo of each page has no large size, only the original.
        var photo = Slice(query, (page - 1) * PageSize, PageSize).Select((url, i) => i == 0
            ? (object)new { id = $"{page}{i}", owner = "12345@N00", title = "t", ownername = $"Owner {i}", license = "4", url_o = url, width_o = 2000, height_o = 1500 }
            : new { id = $"{page}{i}", owner = "12345@N00", title = "t", ownername = $"Owner {i}", license = "9", url_l = url, width_l = 1024, height_l = 768 });
        await JsonAnswer(response, new { photos = new { page, pages = Pages(query), perpage = PageSize, total = Total(query), photo }, stat = "ok" });
    }

    static int Int(string? text, int fallback) => int.TryParse(text, CultureInfo.InvariantCulture, out int n) ? n : fallback;

    static Task JsonAnswer(HttpResponse response, object value) => Bytes(response, "application/json", JsonSerializer.SerializeToUtf8Bytes(value));

    static Task Html(HttpResponse response, string html) => Bytes(response, "text/html", Encoding.UTF8.GetBytes(html));

    static async Task Bytes(HttpResponse response, string contentType, byte[] bytes)
    {
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }
}
