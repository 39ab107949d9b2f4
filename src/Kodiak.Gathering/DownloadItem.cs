namespace Kodiak.Gathering;

/// <summary>A URL to download, with where it came from (kept in the manifest).</summary>
/// <param name="Url">The image URL.</param>
/// <param name="Provider">The search provider, or null for a list of URLs.</param>
/// <param name="Query">The search query, or null.</param>
/// <param name="Licence">The licence the provider states, or null.</param>
/// <param name="Creator">Who made the image, or null.</param>
/// <param name="SourcePage">The page the image appears on, or null.</param>
public sealed record DownloadItem(string Url, string? Provider = null, string? Query = null, string? Licence = null, string? Creator = null, string? SourcePage = null)
{
    /// <summary>A search result, remembering the provider and query that found it.</summary>
    public static DownloadItem From(ImageResult result, string provider, string query)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(result.Url, provider, query, result.Licence, result.Creator, result.SourcePage);
    }
}
