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
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Kodiak/0.1 (image data set builder)");
        _retry = BuildRetry(Options);
    }

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
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                // A key or token goes only where it was meant for (same scheme, host and port), never along a redirect
                // elsewhere, nor to the same host over plain http.
                if (Uri.Compare(current, url, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
                    foreach (var (name, value) in settings.Headers)
                        request.Headers.TryAddWithoutValidation(name, value);
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
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

                CheckStatus(url, response, settings);
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

    void CheckStatus(Uri url, HttpResponseMessage response, FetchSettings settings)
    {
        var status = response.StatusCode;
        if (response.IsSuccessStatusCode) return;
        string reason = $"HTTP {(int)status} {response.ReasonPhrase}".TrimEnd();
        bool transient = status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || ((int)status >= 500 && status is not (HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported))
            || (status == HttpStatusCode.Forbidden && settings.RetryForbidden);
        if (!transient)
            throw new FetchException(reason, status);
        throw new TransientFailure(url, reason, status, RetryAfter(response));
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
/// <param name="RetryForbidden">Treat 403 as "slow down" (DuckDuckGo's rate limit) rather than a refusal.</param>
internal sealed record FetchSettings(long MaxBytes, IReadOnlyList<(string Name, string Value)> Headers, bool RetryForbidden = false);

/// <summary>A fetched body and where it finally came from.</summary>
internal sealed record Fetched(Uri Url, string? ContentType, byte[] Body);

/// <summary>A URL could not be fetched; <see cref="Exception.Message"/> says why in plain words.</summary>
internal sealed class FetchException(string reason, HttpStatusCode? status = null) : Exception(reason)
{
    /// <summary>The HTTP status that ended it, when it was one.</summary>
    public HttpStatusCode? Status { get; } = status;
}
