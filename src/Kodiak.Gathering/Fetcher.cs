using System.Globalization;
using System.Net;
using Polly;
using Polly.Retry;

namespace Kodiak.Gathering;

/// <summary>
/// Fetches one URL the careful way for both searches and downloads: http and https only, at most
/// <see cref="MaxRedirects"/> redirects, a time limit per request, a size cap enforced while
/// streaming, and retries with exponential backoff (honouring Retry-After) on transient failures.
/// </summary>
public sealed class Fetcher : IDisposable
{
    /// <summary>Redirects followed before a request is given up.</summary>
    public const int MaxRedirects = 5;

    readonly HttpClient _http;
    readonly ResiliencePipeline _retry;

    /// <summary>Creates a fetcher with its own connection pool.</summary>
    /// <param name="options">Time limits and retries; <see cref="GatherOptions.Default"/> when null.</param>
    public Fetcher(GatherOptions? options = null)
    {
        Options = options ?? GatherOptions.Default;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // Followed by hand, so that each hop is checked (scheme, count) and keys stay on their host.
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectTimeout = Options.Timeout,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        // Wikimedia's User-Agent policy asks every client for a name, a version and a way to reach its operator.
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent(Options.Contact));
        _retry = BuildRetry(Options);
    }

    /// <summary>
    /// The User-Agent sent unless a provider needs its own: <c>Kodiak/0.1 (contact)</c>, or <c>Kodiak/0.1</c> without one.
    /// Kodiak has no public home page to name, and Wikimedia's policy asks for a way to reach whoever runs the client, so
    /// the contact is the user's (<c>--contact</c> or <c>KODIAK_CONTACT</c>).
    /// </summary>
    /// <param name="contact">The user's e-mail or web page, or null.</param>
    public static string UserAgent(string? contact) =>
        contact is { Length: > 0 } ? $"Kodiak/0.1 ({contact.Trim()})" : "Kodiak/0.1";

    /// <summary>The limits this fetcher applies.</summary>
    public GatherOptions Options { get; }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Fetches <paramref name="url"/> and returns its body, or throws <see cref="FetchException"/> with the reason
    /// in plain words once retries are used up.
    /// </summary>
    internal async Task<Fetched> GetAsync(Uri url, FetchSettings settings, CancellationToken cancellation)
    {
        if (!IsHttp(url))
            throw new FetchException($"not an http or https URL: {url}");
        int attempts = 0;
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                attempts++;
                return await AttemptAsync(url, settings, token);
            }, cancellation);
        }
        catch (TransientFailure failure)
        {
            throw new FetchException(attempts == 1 ? failure.Reason : $"{failure.Reason} (tried {attempts} times)", failure.Status);
        }
    }

    async Task<Fetched> AttemptAsync(Uri url, FetchSettings settings, CancellationToken cancellation)
    {
        // The time limit runs on the options' clock, like the retry waits, so a test moves that clock instead of waiting.
        using var timeLimit = new CancellationTokenSource(Options.Timeout, Options.TimeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeLimit.Token);
        try
        {
            Uri current = url;
            for (int redirects = 0; ; redirects++)
            {
                using var request = new HttpRequestMessage(settings.Form is null ? HttpMethod.Get : HttpMethod.Post, current);
                if (settings.Form is { } form) request.Content = new FormUrlEncodedContent(form);
                // A key or token goes only where it was meant for (same scheme, host and port), never along a redirect
                // elsewhere, nor to the same host over plain http.
                if (Uri.Compare(current, url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
                    foreach (var (name, value) in settings.Headers)
                        request.Headers.TryAddWithoutValidation(name, value);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                // A provider's refusal (DuckDuckGo's 301 to a challenge page, say) is an answer, not a way on.
                if (settings.Refusals?.Contains((int)response.StatusCode) == true)
                    throw new FetchException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), response.StatusCode, await SnippetAsync(response, timeout.Token));
                if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
                {
                    Uri next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    if (!IsHttp(next))
                        throw new FetchException($"redirected to {next}: only http and https are fetched");
                    if (redirects == MaxRedirects)
                        throw new FetchException($"more than {MaxRedirects} redirects");
                    current = next;
                    continue;
                }

                await CheckStatusAsync(url, response, settings, timeout.Token);
                byte[] body = await ReadCappedAsync(response, settings.MaxBytes, timeout.Token);
                return new Fetched(current, response.Content.Headers.ContentType?.MediaType, body);
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new TransientFailure(url, string.Create(CultureInfo.InvariantCulture, $"timed out after {Options.Timeout.TotalSeconds:0.##} s"));
        }
        catch (HttpRequestException e)
        {
            throw new TransientFailure(url, $"cannot connect ({e.GetBaseException().Message})");
        }
        catch (IOException e)
        {
            throw new TransientFailure(url, $"connection lost ({e.GetBaseException().Message})");
        }
    }

    async Task CheckStatusAsync(Uri url, HttpResponseMessage response, FetchSettings settings, CancellationToken cancellation)
    {
        var status = response.StatusCode;
        if (response.IsSuccessStatusCode) return;
        string reason = $"HTTP {(int)status} {response.ReasonPhrase}".TrimEnd();
        bool transient = status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || ((int)status >= 500 && status is not (HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported));
        if (!transient)
            throw new FetchException(reason, status, await SnippetAsync(response, cancellation));
        var after = RetryAfter(response);
        // A search API that asks for a longer wait than we would ever make (an hourly quota) cannot be helped by retrying now.
        if (settings.GiveUpOnLongWaits && after > Options.MaxRetryDelay)
            throw new FetchException(string.Create(CultureInfo.InvariantCulture, $"{reason}; the server asks to wait {Wait(after.Value)}"), status, retryAfter: after);
        throw new TransientFailure(url, reason, status, after);
    }

    static string Wait(TimeSpan wait) => wait.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(wait.TotalMinutes):0} min")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(wait.TotalSeconds):0} s");

    /// <summary>The start of an error answer: providers say there why they refused (e.g. Brave's SUBSCRIPTION_TOKEN_INVALID).</summary>
    static async Task<string?> SnippetAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            byte[] body = await ReadCappedAsync(response, 64 * 1024, cancellation);
            return body.Length == 0 ? null : System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 2048));
        }
        catch (FetchException)
        {
            return null;
        }
    }

    TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - Options.TimeProvider.GetUtcNow(),
        _ => null,
    };

    static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, long maxBytes, CancellationToken cancellation)
    {
        if (response.Content.Headers.ContentLength > maxBytes)
            throw new FetchException($"larger than the {Describe(maxBytes)} limit ({response.Content.Headers.ContentLength} bytes)");
        await using Stream stream = await response.Content.ReadAsStreamAsync(cancellation);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                throw new FetchException($"larger than the {Describe(maxBytes)} limit");
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    static ResiliencePipeline BuildRetry(GatherOptions options)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider };
        if (options.Retries == 0) return builder.Build();
        return builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<TransientFailure>(),
            MaxRetryAttempts = options.Retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryDelay,
            MaxDelay = options.MaxRetryDelay,
            // The server's own Retry-After beats our guess, within the same ceiling.
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is TransientFailure { RetryAfter: { } after }
                ? (TimeSpan?)TimeSpan.FromTicks(Math.Clamp(after.Ticks, 0, options.MaxRetryDelay.Ticks))
                : null),
            OnRetry = args =>
            {
                if (args.Outcome.Exception is TransientFailure failure)
                    options.Notice?.Invoke(string.Create(CultureInfo.InvariantCulture,
                        $"{failure.Where}: {failure.Reason}; retry {args.AttemptNumber + 1} of {options.Retries} in {args.RetryDelay.TotalSeconds:0.#} s"));
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    static bool IsHttp(Uri url) => url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400 && status != HttpStatusCode.NotModified;

    internal static string Describe(long bytes) => bytes % (1024 * 1024) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    /// <summary>A failure worth another try; becomes a <see cref="FetchException"/> when retries run out.</summary>
    sealed class TransientFailure(Uri url, string reason, HttpStatusCode? status = null, TimeSpan? retryAfter = null) : Exception(reason)
    {
        /// <summary>The URL without its query, which may hold a key.</summary>
        public string Where { get; } = url.GetLeftPart(UriPartial.Path);

        public string Reason { get; } = reason;
        public HttpStatusCode? Status { get; } = status;
        public TimeSpan? RetryAfter { get; } = retryAfter;
    }
}

/// <summary>What one request sends and accepts.</summary>
/// <param name="MaxBytes">Largest body accepted.</param>
/// <param name="Headers">Extra headers (keys, Referer), sent only to the URL's own host.</param>
/// <param name="Refusals">Statuses that end the request at once, neither retried nor followed (a provider's rate-limit answers).</param>
/// <param name="Form">Sent as a form POST when set; a GET otherwise.</param>
/// <param name="GiveUpOnLongWaits">Fail at once when Retry-After asks for more than the longest retry wait (a search quota) instead of waiting the ceiling.</param>
internal sealed record FetchSettings(long MaxBytes, IReadOnlyList<(string Name, string Value)> Headers,
    IReadOnlySet<int>? Refusals = null, IReadOnlyList<KeyValuePair<string, string>>? Form = null, bool GiveUpOnLongWaits = false);

/// <summary>A fetched body and where it finally came from.</summary>
internal sealed record Fetched(Uri Url, string? ContentType, byte[] Body);

/// <summary>A URL could not be fetched; <see cref="Exception.Message"/> says why in plain words.</summary>
internal sealed class FetchException(string reason, HttpStatusCode? status = null, string? body = null, TimeSpan? retryAfter = null) : Exception(reason)
{
    /// <summary>The HTTP status that ended it, when it was one.</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>The start of the error answer, when there was one.</summary>
    public string? Body { get; } = body;

    /// <summary>How long the server asked to wait, when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
