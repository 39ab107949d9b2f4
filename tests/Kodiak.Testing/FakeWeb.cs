using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
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
/// endless, duplicates). Every provider pages at most <see cref="PageSize"/> results at a time.
/// As strict as the services, each on <see cref="Clock"/> (so a test moves time instead of waiting):
/// ddg answers clients without browser headers with a challenge page or 403 and pages asked for closer than 0.75 s
/// apart with 418 (duckduckgo_search's headers and pacing); openverse refuses anonymous page sizes above 20 (401),
/// pages beyond 20 (400), more than <see cref="OpenverseAnonymousPerHour"/> anonymous requests an hour (429 with Retry-After),
/// and tokens older than 36000 s (401); wikimedia refuses a User-Agent without contact details (403) and answers
/// searches without <c>filetype:bitmap</c> with PDF, SVG and audio files too, its originals too large for the tests' cap;
/// brave answers a bad key with 422 SUBSCRIPTION_TOKEN_INVALID and a count above 200 with 422; pexels answers past
/// <see cref="PexelsPerHour"/> with 429 and no Retry-After, its originals too large; flickr names CC 4.0 licences (ids 11–16).
/// </summary>
public sealed class FakeWeb : IAsyncDisposable
{
    /// <summary>The only key the keyed providers accept.</summary>
    public const string Key = "test-key";

    readonly WebApplication _app;
    readonly ConcurrentDictionary<string, int> _requests = new();
    readonly ConcurrentDictionary<string, DateTimeOffset> _vqds = new();
    readonly ConcurrentDictionary<string, DateTimeOffset> _tokens = new();
    readonly ConcurrentQueue<DateTimeOffset> _openverseAnonymous = new();
    readonly ConcurrentQueue<DateTimeOffset> _pexels = new();
    readonly Lock _gate = new();
    int _issued;
    int _tokensIssued;
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

    /// <summary>Most results per page, for every provider (fewer when the client asks for fewer).</summary>
    public int PageSize { get; set; } = 3;

    /// <summary>The clock quotas, pacing and token lifetimes run on; tests give it the clock their client waits on.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>Anonymous Openverse requests allowed per hour (the documented anonymous limit is 5 an hour, 100 a day).</summary>
    public int OpenverseAnonymousPerHour { get; set; } = 5;

    /// <summary>Pexels requests allowed per hour (the documented default is 200 an hour, 20,000 a month).</summary>
    public int PexelsPerHour { get; set; } = 200;

    /// <summary>When set, DuckDuckGo answers every search page with this status (its rate-limit answers: 202, 403, 418…).</summary>
    public int? DuckDuckGoBlock { get; set; }

    /// <summary>The next this-many Flickr searches fail with error 201, "service temporarily unavailable".</summary>
    public int FlickrUnavailable { get; set; }

    /// <summary>The User-Agent of the last Wikimedia request.</summary>
    public string? WikimediaUserAgent { get; private set; }

    /// <summary>Lifetime of an Openverse token, as its token endpoint says (expires_in).</summary>
    public static readonly TimeSpan OpenverseTokenLifetime = TimeSpan.FromSeconds(36000);

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

    /// <summary>Requests received by the search APIs (every provider, token endpoint included).</summary>
    public int Searches => _requests.Where(r => SearchPaths.Contains(r.Key)).Sum(r => r.Value);

    /// <summary>Requests received for images and hostile cases, i.e. downloads (not searches).</summary>
    public int Downloads => _requests.Where(r => !SearchPaths.Contains(r.Key)).Sum(r => r.Value);

    /// <summary>The next <paramref name="times"/> requests for <paramref name="path"/> get <paramref name="status"/>.</summary>
    public void Refuse(string path, int status, int times = 1, int? retryAfterSeconds = null)
    {
        var queue = _refusals.GetOrAdd("/" + path.TrimStart('/'), _ => new Queue<(int, int?)>());
        lock (queue)
            for (int i = 0; i < times; i++) queue.Enqueue((status, retryAfterSeconds));
    }

    static readonly HashSet<string> SearchPaths = ["/", "/i.js", "/v1/images/", "/v1/auth_tokens/token/", "/w/api.php", "/res/v1/images/search", "/v1/search", "/services/rest/"];

    /// <summary>The URL of a sample image's original on the fake Wikimedia and Pexels: larger than the tests' 1 MB cap.</summary>
    public string Original(string imageUrl) => imageUrl.Replace("/img/", "/original/", StringComparison.Ordinal);

    static IReadOnlyDictionary<string, byte[]> LoadSamples()
    {
        string folder = AppContext.BaseDirectory;
        while (!Directory.Exists(Path.Combine(folder, "samples", "clipart")))
            folder = Path.GetDirectoryName(folder) ?? throw new DirectoryNotFoundException("samples/clipart not found above " + AppContext.BaseDirectory);
        // The sample has a few names in two class folders (clipart3 keeps the source's names); the fake serves the first.
        return ImageFiles.Get(Path.Combine(folder, "samples", "clipart")).DistinctBy(Path.GetFileName).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
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
                await DuckDuckGoPage(request, response);
                return;
            case "/i.js":
                await DuckDuckGo(request, response);
                return;
            case "/v1/images/":
                await Openverse(request, response);
                return;
            case "/v1/auth_tokens/token/":
                await OpenverseToken(request, response);
                return;
            case "/w/api.php":
                await Wikimedia(request, response);
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

        if (path.StartsWith("/original/", StringComparison.Ordinal) && Images.TryGetValue(path[10..], out var original))
        {
            // A full-size original: the image followed by padding, well past the tests' 1 MB cap.
            await Bytes(response, "image/jpeg", [.. original, .. new byte[2 * 1024 * 1024]]);
            return;
        }

        if (path.StartsWith("/files/", StringComparison.Ordinal))
        {
            await Bytes(response, path.EndsWith(".pdf", StringComparison.Ordinal) ? "application/pdf" : "application/octet-stream", Encoding.UTF8.GetBytes("%PDF-1.4 not an image"));
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

    static bool IsBrowser(HttpRequest request) => request.Headers.UserAgent.ToString().StartsWith("Mozilla/5.0", StringComparison.Ordinal);

    async Task DuckDuckGoPage(HttpRequest request, HttpResponse response)
    {
        // Scripts that do not look like a browser get a challenge page without a search token.
        if (!IsBrowser(request))
        {
            await Html(response, "<html><body><form id=\"challenge-form\">Unfortunately, bots use DuckDuckGo too. Please complete the following challenge.</form></body></html>");
            return;
        }

        string vqd = $"4-{Interlocked.Increment(ref _issued)}31415926535897932384";
        _vqds[vqd] = DateTimeOffset.MinValue;
        await Html(response, $"<html><script>DDG.deep.initialize('/d.js?q=x&vqd={vqd}&l=us-en');vqd=\"{vqd}\";</script></html>");
    }

    async Task DuckDuckGo(HttpRequest request, HttpResponse response)
    {
        if (DuckDuckGoBlock is int block)
        {
            response.StatusCode = block;
            return;
        }

        // The endpoint refuses requests without a token it issued, a Referer from its own site, or a browser's fetch headers.
        string vqd = request.Query["vqd"].ToString();
        if (!_vqds.TryGetValue(vqd, out var last) || !request.Headers.Referer.ToString().StartsWith(Url.AbsoluteUri, StringComparison.Ordinal)
            || request.Headers["Sec-Fetch-Mode"] != "cors" || !IsBrowser(request))
        {
            response.StatusCode = 403;
            return;
        }

        // Pages of one search asked for faster than duckduckgo_search's 0.75 s pacing are a teapot.
        var now = Clock.GetUtcNow();
        if (now - last < TimeSpan.FromSeconds(0.75))
        {
            response.StatusCode = 418;
            return;
        }

        _vqds[vqd] = now;
        string query = request.Query["q"]!;
        int offset = Int(request.Query["s"], 0);
        var results = Slice(query, offset, PageSize).Select((url, i) => new
        {
            image = url, thumbnail = url + "?thumb", url = $"https://example.org/page{offset + i}", width = 640, height = 480, title = $"result {offset + i}",
        });
        string? next = offset + PageSize < Total(query) ? $"i.js?q={Uri.EscapeDataString(query)}&o=json&s={offset + PageSize}&l=us-en" : null;
        await JsonAnswer(response, new { results, next });
    }

    async Task OpenverseToken(HttpRequest request, HttpResponse response)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync() : null;
        if (request.Method != "POST" || form is null || form["grant_type"].ToString() != "client_credentials"
            || form["client_id"].ToString() != Key || form["client_secret"].ToString() != Key)
        {
            response.StatusCode = 401;
            await JsonAnswer(response, new { error = "invalid_client" });
            return;
        }

        string token = $"token-{Interlocked.Increment(ref _issued)}";
        _tokens[token] = Clock.GetUtcNow() + OpenverseTokenLifetime;
        Interlocked.Increment(ref _tokensIssued);
        await JsonAnswer(response, new { access_token = token, scope = "read write groups", expires_in = (int)OpenverseTokenLifetime.TotalSeconds, token_type = "Bearer" });
    }

    /// <summary>Tokens issued so far by the fake Openverse token endpoint.</summary>
    public int OpenverseTokensIssued => _tokensIssued;

    /// <summary>Every Openverse token issued so far stops working (as when Openverse revokes them before they expire).</summary>
    public void RevokeOpenverseTokens() => _tokens.Clear();

    async Task Openverse(HttpRequest request, HttpResponse response)
    {
        var q = request.Query;
        var now = Clock.GetUtcNow();
        string authorization = request.Headers.Authorization.ToString();
        bool anonymous = authorization.Length == 0;
        if (!anonymous)
        {
            // OPENVERSE_TOKEN=test-key is accepted as a token that never expires; issued ones last 36000 s.
            string token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : "";
            if (token != Key && !(_tokens.TryGetValue(token, out var expires) && now < expires))
            {
                response.StatusCode = 401;
                await JsonAnswer(response, new { detail = "Authentication credentials were not provided or the token has expired." });
                return;
            }
        }

        int pageSize = Int(q["page_size"], 20);
        if (pageSize > (anonymous ? 20 : 500))
        {
            response.StatusCode = anonymous ? 401 : 400;
            await JsonAnswer(response, new { detail = anonymous ? "Authentication is required for page_size above 20." : "page_size must be at most 500." });
            return;
        }

        int page = Int(q["page"], 1);
        if (page > 20)
        {
            response.StatusCode = 400;
            await JsonAnswer(response, new { detail = "Searches are limited to 20 pages." });
            return;
        }

        if (anonymous && !Allow(_openverseAnonymous, OpenverseAnonymousPerHour, now, out var retryAfter))
        {
            response.StatusCode = 429;
            response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await JsonAnswer(response, new { detail = $"Request was throttled. Expected available in {(int)retryAfter.TotalSeconds} seconds." });
            return;
        }

        string query = q["q"]!;
        int size = Math.Min(pageSize, PageSize);
        int pages = (Total(query) + size - 1) / size;
        var results = Slice(query, (page - 1) * size, size).Select((url, i) => new
        {
            id = $"id{i}", url, thumbnail = url + "?thumb", width = 640, height = 480, license = "by", license_version = "2.0",
            creator = $"Creator {(page - 1) * size + i}", foreign_landing_url = $"https://example.org/work{(page - 1) * size + i}",
        });
        await JsonAnswer(response, new { result_count = Total(query), page_count = pages, page_size = size, page, results });
    }

    /// <summary>A sliding one-hour window of at most <paramref name="limit"/> requests; false with the wait when full.</summary>
    bool Allow(ConcurrentQueue<DateTimeOffset> window, int limit, DateTimeOffset now, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            while (window.TryPeek(out var oldest) && now - oldest >= TimeSpan.FromHours(1)) window.TryDequeue(out _);
            if (window.Count >= limit && window.TryPeek(out var first))
            {
                retryAfter = first + TimeSpan.FromHours(1) - now;
                return false;
            }

            window.Enqueue(now);
            retryAfter = TimeSpan.Zero;
            return true;
        }
    }

    // What Commons' search finds besides bitmaps when not told filetype:bitmap.
    static readonly (string Title, string Mime, string Path)[] OtherFiles =
    [
        ("Report.pdf", "application/pdf", "files/report.pdf"), ("Logo.svg", "image/svg+xml", "files/logo.svg"), ("Call.ogg", "audio/ogg", "files/call.ogg"),
    ];

    async Task Wikimedia(HttpRequest request, HttpResponse response)
    {
        var q = request.Query;
        WikimediaUserAgent = request.Headers.UserAgent.ToString();
        // The User-Agent policy: a client name plus contact details (a URL or an e-mail address) in parentheses.
        if (!System.Text.RegularExpressions.Regex.IsMatch(WikimediaUserAgent, @"^\S+/\S+ \([^)]*(https?://|@)[^)]*\)"))
        {
            response.StatusCode = 403;
            await Html(response, "<html><body>Please set a user-agent and respect our robot policy https://w.wiki/4wJS.</body></html>");
            return;
        }

        if (q["generator"] != "search" || q["gsrnamespace"] != "6" || q["prop"] != "imageinfo" || !q["iiprop"].ToString().Split('|').Contains("url"))
        {
            await JsonAnswer(response, new { error = new { code = "badparams", info = "not a Commons file search" } });
            return;
        }

        string search = q["gsrsearch"]!;
        bool bitmaps = search.StartsWith("filetype:bitmap ", StringComparison.Ordinal);
        string query = bitmaps ? search["filetype:bitmap ".Length..] : search;
        int width = Int(q["iiurlwidth"], 0);
        int offset = Int(q["gsroffset"], 0);
        int size = Math.Min(Int(q["gsrlimit"], 10), PageSize);
        // Generator pages come back in no particular order; "index" is the rank.
        // Without filetype:bitmap every second image is followed by another kind of file, taking its place in the page.
        var all = new List<(string Title, string Mime, string Url)>();
        foreach (var (url, i) in Results.GetValueOrDefault(query, []).Select((url, i) => (url, i)))
        {
            all.Add(($"File:Result {i}.jpg", "image/jpeg", url));
            if (bitmaps || i % 2 == 0) continue;
            var other = OtherFiles[i / 2 % OtherFiles.Length];
            all.Add(("File:" + other.Title, other.Mime, new Uri(Url, other.Path).AbsoluteUri));
        }

        var files = all.Skip(offset).Take(size).Select((f, i) => (f.Title, f.Mime, f.Url, Index: offset + i + 1));
        var pages = files.Select(f => new
        {
            pageid = 1000 + f.Index, ns = 6, title = f.Title, index = f.Index,
            imageinfo = new[]
            {
                new
                {
                    // The original is full size; the thumbnail, only when asked for, is the training-sized image.
                    url = f.Mime == "image/jpeg" ? Original(f.Url) : f.Url,
                    thumburl = width > 0 && f.Mime == "image/jpeg" ? f.Url : null,
                    thumbwidth = width > 0 ? width : (int?)null,
                    descriptionurl = $"https://commons.example.org/File:{f.Index - 1}", width = 4000, height = 3000, mime = f.Mime,
                    extmetadata = new
                    {
                        LicenseShortName = new { value = "CC BY-SA 4.0" },
                        Artist = new { value = $"<a href=\"https://example.org/user\">Artist &amp; {f.Index - 1}</a>" },
                    },
                },
            },
        }).Reverse();
        object answer = offset + size < all.Count
            ? new { @continue = new { gsroffset = offset + size, @continue = "gsroffset||" }, query = new { pages } }
            : new { batchcomplete = true, query = new { pages } };
        await JsonAnswer(response, answer);
    }

    async Task Brave(HttpRequest request, HttpResponse response)
    {
        // Brave's answer to a bad key is 422 with its own error code, as its API reports it.
        if (request.Headers["X-Subscription-Token"] != Key)
        {
            response.StatusCode = 422;
            await JsonAnswer(response, new { type = "ErrorResponse", error = new { id = "x", status = 422, code = "SUBSCRIPTION_TOKEN_INVALID", detail = "The provided subscription token is invalid." } });
            return;
        }

        int count = Int(request.Query["count"], 50);
        if (count > 200)
        {
            response.StatusCode = 422;
            await JsonAnswer(response, new { type = "ErrorResponse", error = new { status = 422, code = "VALIDATION", detail = "Unable to validate request parameter(s)" } });
            return;
        }

        string query = request.Query["q"]!;
        var results = Slice(query, 0, count).Select((url, i) => new
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

        // Past the quota: 429, with the X-Ratelimit headers and no Retry-After.
        if (!Allow(_pexels, PexelsPerHour, Clock.GetUtcNow(), out var reset))
        {
            response.StatusCode = 429;
            response.Headers["X-Ratelimit-Limit"] = PexelsPerHour.ToString(CultureInfo.InvariantCulture);
            response.Headers["X-Ratelimit-Remaining"] = "0";
            response.Headers["X-Ratelimit-Reset"] = (Clock.GetUtcNow() + reset).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            return;
        }

        string query = request.Query["query"]!;
        int page = Int(request.Query["page"], 1);
        // per_page above 80 is cut to 80, as the documentation says.
        int size = Math.Min(Math.Min(Int(request.Query["per_page"], 15), 80), PageSize);
        int pages = (Total(query) + size - 1) / size;
        var photos = Slice(query, (page - 1) * size, size).Select((url, i) => new
        {
            id = (page - 1) * size + i, width = 6000, height = 4000, url = $"https://www.pexels.com/photo/{(page - 1) * size + i}/",
            photographer = $"Photographer {(page - 1) * size + i}",
            src = new { original = Original(url), large2x = Original(url) + "?w=1880", large = url, medium = url + "?medium" },
        });
        string? nextPage = page < pages ? $"https://api.pexels.com/v1/search/?page={page + 1}&per_page={size}&query={Uri.EscapeDataString(query)}" : null;
        await JsonAnswer(response, new { page, per_page = size, photos, total_results = Total(query), next_page = nextPage });
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

        bool unavailable;
        lock (_gate)
        {
            unavailable = FlickrUnavailable > 0;
            if (unavailable) FlickrUnavailable--;
        }

        if (unavailable)
        {
            await JsonAnswer(response, new { stat = "fail", code = 201, message = "Service currently unavailable" });
            return;
        }

        string query = q["text"]!;
        int page = Int(q["page"], 1);
        int size = Math.Min(Int(q["per_page"], 100), PageSize);
        int pages = (Total(query) + size - 1) / size;
        // The first photo of each page has no large size, only the original; the others carry the CC 4.0 licences Flickr added in 2025.
        var photo = Slice(query, (page - 1) * size, size).Select((url, i) => i == 0
            ? (object)new { id = $"{page}{i}", owner = "12345@N00", title = "t", ownername = $"Owner {i}", license = "4", url_o = url, width_o = 2000, height_o = 1500 }
            : new { id = $"{page}{i}", owner = "12345@N00", title = "t", ownername = $"Owner {i}", license = i == 1 ? "11" : "16", url_l = url, width_l = 1024, height_l = 768 });
        await JsonAnswer(response, new { photos = new { page, pages, perpage = size, total = Total(query), photo }, stat = "ok" });
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
