namespace Kodiak.Gathering;

/// <summary>What one folder's download did.</summary>
/// <param name="Folder">The folder written to.</param>
/// <param name="Urls">Distinct URLs given.</param>
/// <param name="AlreadyDone">URLs skipped because an earlier run already tried them.</param>
/// <param name="Kept">Images saved in this run.</param>
/// <param name="Duplicates">Images dropped in this run because the same bytes were already kept.</param>
/// <param name="Failed">URLs that failed in this run.</param>
/// <param name="Outcome">How the class's search went, in plain words (for <see cref="Gatherer"/>); null for a list of URLs.</param>
public sealed record DownloadReport(string Folder, int Urls, int AlreadyDone, int Kept, int Duplicates, int Failed, string? Outcome = null);
