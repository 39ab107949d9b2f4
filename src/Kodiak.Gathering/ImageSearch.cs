namespace Kodiak.Gathering;

/// <summary>Creates a search provider by its command-line name.</summary>
public static class ImageSearch
{
    /// <summary>The provider names, the default (<c>ddg</c>) first.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["ddg", "openverse", "wikimedia", "brave", "pexels", "flickr"];

    /// <summary>
    /// Creates the provider called <paramref name="provider"/>. A provider that needs a key reads it now, so a missing
    /// key is an <see cref="ImageSearchException"/> naming the environment variable before anything is searched.
    /// </summary>
    /// <param name="provider">One of <see cref="Providers"/>.</param>
    /// <param name="fetcher">Does the requests.</param>
    /// <param name="endpoint">Replaces the provider's base URL (a proxy, or a test server); null for the real one.</param>
    /// <param name="environment">Reads environment variables; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <exception cref="ArgumentException">An unknown provider name.</exception>
    /// <exception cref="ImageSearchException">The provider needs a key and its variable is not set.</exception>
    public static IImageSearch Create(string provider, Fetcher fetcher, Uri? endpoint = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        environment ??= Environment.GetEnvironmentVariable;
        SearchApi Api(string defaultEndpoint, string? keyVariable = null) => new(provider, fetcher, endpoint ?? new Uri(defaultEndpoint), keyVariable);
        string Key(string variable) => SearchApi.RequireKey(provider, variable, environment);
        return provider switch
        {
            "ddg" => new DuckDuckGoSearch(Api(DuckDuckGoSearch.DefaultEndpoint)),
            "openverse" => environment(OpenverseSearch.TokenVariable) is { Length: > 0 } token
                ? new OpenverseSearch(Api(OpenverseSearch.DefaultEndpoint, OpenverseSearch.TokenVariable), token)
                : new OpenverseSearch(Api(OpenverseSearch.DefaultEndpoint), null),
            "wikimedia" => new WikimediaSearch(Api(WikimediaSearch.DefaultEndpoint)),
            "brave" => new BraveSearch(Api(BraveSearch.DefaultEndpoint, BraveSearch.KeyVariable), Key(BraveSearch.KeyVariable)),
            "pexels" => new PexelsSearch(Api(PexelsSearch.DefaultEndpoint, PexelsSearch.KeyVariable), Key(PexelsSearch.KeyVariable)),
            "flickr" => new FlickrSearch(Api(FlickrSearch.DefaultEndpoint, FlickrSearch.KeyVariable), Key(FlickrSearch.KeyVariable)),
            _ => throw new ArgumentException($"Unknown provider '{provider}'; use one of {string.Join(", ", Providers)}.", nameof(provider)),
        };
    }
}
