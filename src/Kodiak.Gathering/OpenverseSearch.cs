using System.Globalization;
using System.Net;
using System.Text.Json;
using static System.Uri;

namespace Kodiak.Gathering;

/// <summary>
/// Openverse (openly licensed images), no key needed. <c>GET /v1/images/?q=&amp;page=&amp;page_size=</c> →
/// <c>{"page_count", "results":[{"url","thumbnail","width","height","license","license_version","creator","foreign_landing_url"}]}</c>,
/// as in the Openverse API's Image schema (api.openverse.org/v1/schema/Image).
/// Anonymous use is throttled hard and capped at 20 results a page; a registered application
/// (<c>OPENVERSE_CLIENT_ID</c> and <c>OPENVERSE_CLIENT_SECRET</c>) gets a token from <c>POST /v1/auth_tokens/token/</c>
/// (client credentials, <c>expires_in</c> 36000 s), renewed here before it runs out or when refused, and pages of up to 500.
/// A bare <c>OPENVERSE_TOKEN</c> is used as it is, and said to be expired when refused. No search goes deeper than 20 pages
/// (Openverse's "results constrained to 20 pages", 2022).
/// </summary>
internal sealed class OpenverseSearch : IImageSearch
{
    public const string DefaultEndpoint = "https://api.openverse.org/";
    public const string TokenVariable = "OPENVERSE_TOKEN";
    public const string ClientIdVariable = "OPENVERSE_CLIENT_ID";
    public const string ClientSecretVariable = "OPENVERSE_CLIENT_SECRET";

    public const int AnonymousPageLimit = 20;
    public const int TokenPageLimit = 500;
    public const int MaxPages = 20;

    // Renewed this long before it expires, so a page is never asked for with a token about to lapse.
    static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    readonly SearchApi _api;
    readonly string? _fixedToken;
    readonly (string Id, string Secret)? _client;
    readonly SemaphoreSlim _tokenGate = new(1, 1);
    (string Token, DateTimeOffset Expires)? _token;

    public OpenverseSearch(SearchApi api, Func<string, string?> environment)
    {
        _api = api;
        _fixedToken = environment(TokenVariable) is { Length: > 0 } token ? token : null;
        if (environment(ClientIdVariable) is { Length: > 0 } id && environment(ClientSecretVariable) is { Length: > 0 } secret)
            _client = (id, secret);
    }

    public string Name => "openverse";

    bool Authenticated => _client is not null || _fixedToken is not null;

    public IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default)
    {
        int pageSize = Math.Min(max, Authenticated ? TokenPageLimit : AnonymousPageLimit);
        return Paging.Pages(1,
            (page, c) => GetPageAsync(string.Create(CultureInfo.InvariantCulture,
                $"v1/images/?q={EscapeDataString(query)}&page={page}&page_size={pageSize}"), c),
            Read,
            (answer, page) => (page < Math.Min(answer.Int("page_count") ?? 0, MaxPages), page + 1),
            cancellation).Take(max);
    }

    async Task<JsonElement> GetPageAsync(string request, CancellationToken cancellation)
    {
        for (int attempt = 0; ; attempt++)
        {
            string? token = await TokenAsync(renew: attempt > 0, cancellation);
            (string, string)[] headers = token is null ? [] : [("Authorization", $"Bearer {token}")];
            try
            {
                return await _api.GetJsonAsync(request, cancellation, headers);
            }
            catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.Unauthorized } && token is not null)
            {
                // A token we made can be made again, once; one the user gave cannot.
                if (_client is not null && attempt == 0) continue;
                throw new ImageSearchException(_client is not null
                    ? $"openverse refused a fresh token from {ClientIdVariable} and {ClientSecretVariable}; check them."
                    : $"openverse refused the token in {TokenVariable}: tokens expire after 10 hours. Set {ClientIdVariable} and {ClientSecretVariable} instead, and Kodiak renews it.", e);
            }
            catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.TooManyRequests } limit)
            {
                string wait = limit.RetryAfter is { } after ? $" (it asks to wait {Math.Ceiling(after.TotalMinutes):0} min)" : "";
                throw new ImageSearchException(Authenticated
                    ? $"openverse: rate limit reached{wait}. Wait, or use --provider auto to go on with other providers."
                    : $"openverse: the anonymous rate limit is reached{wait}; anonymous use allows only a few requests an hour. Register an application and set {ClientIdVariable} and {ClientSecretVariable}, or use --provider auto.", e);
            }
        }
    }

    /// <summary>The token to send, made or renewed from the client credentials when needed; null for anonymous use.</summary>
    async Task<string?> TokenAsync(bool renew, CancellationToken cancellation)
    {
        if (_client is not { } client) return _fixedToken;
        await _tokenGate.WaitAsync(cancellation);
        try
        {
            var now = _api.Time.GetUtcNow();
            if (!renew && _token is { } current && current.Expires - RenewBefore > now) return current.Token;
            var (url, body) = await _api.GetAsync("v1/auth_tokens/token/", [], cancellation, form:
            [
                new("grant_type", "client_credentials"), new("client_id", client.Id), new("client_secret", client.Secret),
            ]);
            var answer = _api.Parse(url, body);
            string token = answer.Text("access_token") ?? throw new ImageSearchException($"openverse gave no access_token for {ClientIdVariable}.");
            if (_token is not null) _api.Notice("openverse: token renewed.");
            _token = (token, now + TimeSpan.FromSeconds(answer.Int("expires_in") ?? 36000));
            return token;
        }
        catch (ImageSearchException e) when (e.InnerException is FetchException { Status: HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest })
        {
            throw new ImageSearchException($"openverse refused the application in {ClientIdVariable} and {ClientSecretVariable}; check them.", e);
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    static IEnumerable<ImageResult> Read(JsonElement answer) =>
        from item in answer.Items("results")
        let url = item.Text("url")
        where url is not null
        let licence = item.Text("license") is { } code ? $"{code} {item.Text("license_version")}".TrimEnd() : null
        select new ImageResult(url, item.Text("thumbnail"), item.Int("width"), item.Int("height"), licence, item.Text("creator"), item.Text("foreign_landing_url"));
}
