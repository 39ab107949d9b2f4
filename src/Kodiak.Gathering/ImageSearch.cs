namespace Kodiak.Gathering;

/// <summary>Creates a search provider by its command-line name.</summary>
public static class ImageSearch
{
    /// <summary>The name of the search that tries the providers in turn (the default).</summary>
    public const string Auto = "auto";

    /// <summary>The providers, in the order <see cref="Auto"/> tries them: the keyless ones first, then those with a key set.</summary>
    public static IReadOnlyList<string> Providers { get; } = ["ddg", "openverse", "wikimedia", "brave", "pexels", "flickr"];

    /// <summary>Every name <see cref="Create"/> accepts: <see cref="Auto"/> first, then <see cref="Providers"/>.</summary>
    public static IReadOnlyList<string> Choices { get; } = [Auto, .. Providers];

    static readonly Dictionary<string, string> KeyVariables = new()
    {
        ["brave"] = BraveSearch.KeyVariable, ["pexels"] = PexelsSearch.KeyVariable, ["flickr"] = FlickrSearch.KeyVariable,
    };

    /// <summary>
    /// Creates the provider called <paramref name="provider"/>. A provider that needs a key reads it now, so a missing
    /// key is an <see cref="ImageSearchException"/> naming the environment variable before anything is searched.
    /// <see cref="Auto"/> combines every keyless provider and each keyed one whose key is set.
    /// </summary>
    /// <param name="provider">One of <see cref="Choices"/>.</param>
    /// <param name="fetcher">Does the requests.</param>
    /// <param name="endpoint">Replaces the provider's base URL (a proxy, or a test server); null for the real one.</param>
    /// <param name="environment">Reads environment variables; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    /// <exception cref="ArgumentException">An unknown provider name.</exception>
    /// <exception cref="ImageSearchException">The provider needs a key and its variable is not set.</exception>
    public static IImageSearch Create(string provider, Fetcher fetcher, Uri? endpoint = null, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(fetcher);
        environment ??= Environment.GetEnvironmentVariable;
        if (provider == Auto)
        {
            var usable = Providers.Where(p => !KeyVariables.TryGetValue(p, out var variable) || environment(variable) is { Length: > 0 });
            return new AutoSearch([.. usable.Select(p => Create(p, fetcher, endpoint, environment))], fetcher.Options.Notice);
        }

        SearchApi Api(string defaultEndpoint, string? keyVariable = null) => new(provider, fetcher, endpoint ?? new Uri(defaultEndpoint), keyVariable);
        string Key(string variable) => SearchApi.RequireKey(provider, variable, environment);
        return provider switch
        {
            "ddg" => new DuckDuckGoSearch(Api(DuckDuckGoSearch.DefaultEndpoint)),
            "openverse" => new OpenverseSearch(Api(OpenverseSearch.DefaultEndpoint), environment),
            "wikimedia" => new WikimediaSearch(Api(WikimediaSearch.DefaultEndpoint)),
            "brave" => new BraveSearch(Api(BraveSearch.DefaultEndpoint, BraveSearch.KeyVariable), Key(BraveSearch.KeyVariable)),
            "pexels" => new PexelsSearch(Api(PexelsSearch.DefaultEndpoint, PexelsSearch.KeyVariable), Key(PexelsSearch.KeyVariable)),
            "flickr" => new FlickrSearch(Api(FlickrSearch.DefaultEndpoint, FlickrSearch.KeyVariable), Key(FlickrSearch.KeyVariable)),
            _ => throw new ArgumentException($"Unknown provider '{provider}'; use one of {string.Join(", ", Choices)}.", nameof(provider)),
        };
    }
}
