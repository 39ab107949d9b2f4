namespace Kodiak.Gathering;

/// <summary>One line of <c>manifest.jsonl</c>: a URL, where it came from, and what became of it.</summary>
/// <param name="Url">The URL as found (before any redirect).</param>
/// <param name="Provider">The search provider, or null for a list of URLs.</param>
/// <param name="Query">The search query, or null for a list of URLs.</param>
/// <param name="Licence">The licence the provider states, when it states one.</param>
/// <param name="Creator">Who made the image, when known.</param>
/// <param name="SourcePage">The page the image appears on, when known.</param>
/// <param name="Sha256">Hex SHA-256 of the bytes, for kept images and duplicates.</param>
/// <param name="Status">Kept, duplicate or failed.</param>
/// <param name="Reason">Why it failed, or which kept image it duplicates.</param>
/// <param name="File">The saved file's name in the folder, for kept images.</param>
public sealed record ManifestEntry(
    string Url,
    string? Provider,
    string? Query,
    string? Licence,
    string? Creator,
    string? SourcePage,
    string? Sha256,
    DownloadStatus Status,
    string? Reason,
    string? File);
