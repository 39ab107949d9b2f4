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

    public Uri Url(string relative) => new(_base, relative);

    public async Task<JsonElement> GetJsonAsync(string relative, CancellationToken cancellation, params (string Name, string Value)[] headers)
    {
        var (url, body) = await GetAsync(relative, headers, retryForbidden: false, cancellation);
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

    public async Task<(Uri Url, byte[] Body)> GetAsync(string relative, IReadOnlyList<(string Name, string Value)> headers, bool retryForbidden, CancellationToken cancellation)
    {
        Uri url = Url(relative);
        try
        {
            var fetched = await _fetcher.GetAsync(url, new FetchSettings(MaxAnswerBytes, headers, retryForbidden), cancellation);
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
