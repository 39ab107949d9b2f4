using System.Net;
using System.Text;
using System.Text.Json;

namespace Kodiak.Gathering;

/// <summary>One provider's HTTP endpoint: builds its URLs and turns every failure into an <see cref="ImageSearchException"/> naming the provider.</summary>
internal sealed class SearchApi
{
    // Search answers are small; anything this large is not one.
    const long MaxAnswerBytes = 8 * 1024 * 1024;

    readonly Fetcher _fetcher;
    readonly Uri _base;
    readonly string? _keyVariable;

    public SearchApi(string provider, Fetcher fetcher, Uri baseUrl, string? keyVariable = null)
    {
        Provider = provider;
        _fetcher = fetcher;
        // A trailing slash makes relative paths land under a proxy's prefix instead of replacing its last segment.
        _base = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _keyVariable = keyVariable;
    }

    public string Provider { get; }

    /// <summary>The fetcher's limits and retries.</summary>
    public GatherOptions Options => _fetcher.Options;

    /// <summary>The clock pacing and token lifetimes run on (the fetcher's).</summary>
    public TimeProvider Time => _fetcher.Options.TimeProvider;

    /// <summary>Tells the user something in plain words (the fetcher's notices), e.g. a token renewed.</summary>
    public void Notice(string message) => _fetcher.Options.Notice?.Invoke(message);

    public Uri Url(string relative) => new(_base, relative);

    public async Task<JsonElement> GetJsonAsync(string relative, CancellationToken cancellation, params (string Name, string Value)[] headers)
    {
        var (url, body) = await GetAsync(relative, headers, cancellation);
        return Parse(url, body);
    }

    public JsonElement Parse(Uri url, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            string start = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 60)).ReplaceLineEndings(" ");
            throw new ImageSearchException($"{Provider} answered {url.GetLeftPart(UriPartial.Path)} with something that is not JSON (it starts \"{start}\").", e);
        }
    }

    /// <summary>The key in <paramref name="variable"/>, or an error that says how to set it.</summary>
    public static string RequireKey(string provider, string variable, Func<string, string?> environment) =>
        environment(variable) is { Length: > 0 } key
            ? key
            : throw new ImageSearchException($"{provider} needs an API key: set the environment variable {variable}.");

    /// <summary>
    /// Fetches <paramref name="relative"/>; <paramref name="refusals"/> are statuses that end it at once (no retry, no redirect),
    /// <paramref name="form"/> makes it a form POST. Failures are <see cref="ImageSearchException"/>s whose inner exception is the <see cref="FetchException"/>.
    /// </summary>
    public async Task<(Uri Url, byte[] Body)> GetAsync(string relative, IReadOnlyList<(string Name, string Value)> headers, CancellationToken cancellation,
        IReadOnlySet<int>? refusals = null, IReadOnlyList<KeyValuePair<string, string>>? form = null)
    {
        Uri url = Url(relative);
        try
        {
            var fetched = await _fetcher.GetAsync(url, new FetchSettings(MaxAnswerBytes, headers, Refusals: refusals, Form: form, GiveUpOnLongWaits: true), cancellation);
            return (url, fetched.Body);
        }
        catch (FetchException e) when (_keyVariable is not null && e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new ImageSearchException(RejectedKey(e.Message).Message, e);
        }
        catch (FetchException e)
        {
            throw new ImageSearchException($"{Provider} search failed: {e.Message} ({url.GetLeftPart(UriPartial.Path)}).", e);
        }
    }

    /// <summary>The error for a provider that says "bad key" in its answer rather than its status.</summary>
    public ImageSearchException RejectedKey(string detail) => new($"{Provider} rejected the key in {_keyVariable} ({detail}).");
}
