using Kodiak.Vision.Files;

namespace Kodiak.Gathering;

/// <summary>
/// Builds a data set the fastai way: one image search per class, downloaded and verified into <c>OUT/&lt;class&gt;/</c>,
/// duplicates dropped across all classes. Nothing found is thrown away: a search that fails after some pages still has
/// those results downloaded, and a class that fails leaves the others to go on.
/// </summary>
public sealed class Gatherer(IImageSearch search, Fetcher fetcher)
{
    /// <summary>
    /// Searches for each class (its name plus <paramref name="suffix"/>) and downloads up to <paramref name="max"/>
    /// results into <c><paramref name="outFolder"/>/&lt;class&gt;/</c>. A re-run skips the search of a class whose results are
    /// complete in its manifest (its <c>searches.jsonl</c> records a finished search, or the manifest holds <paramref name="max"/>
    /// URLs of that query), and every URL already tried. Each report's
    /// <see cref="DownloadReport.Outcome"/> says how the class went. When cancelled, returns the reports of the classes
    /// started so far, each as far as it got.
    /// </summary>
    /// <param name="outFolder">The data set folder.</param>
    /// <param name="classes">Class names, which become folder names.</param>
    /// <param name="suffix">Appended to each class name to make the query, e.g. " bear".</param>
    /// <param name="max">Most search results per class.</param>
    /// <param name="progress">Told as each URL finishes; may be null.</param>
    /// <param name="cancellation">Stops cleanly.</param>
    /// <exception cref="ArgumentException">A class name cannot be a folder name, or is repeated.</exception>
    public async Task<IReadOnlyList<DownloadReport>> GatherAsync(string outFolder, IReadOnlyList<string> classes, string suffix, int max,
        IDownloadProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outFolder);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (classes.Select(ImageFiles.ClassNameProblem).FirstOrDefault(p => p is not null) is { } problem)
            throw new ArgumentException(problem, nameof(classes));
        if (classes.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new ArgumentException($"class '{repeated.Key}' is given more than once", nameof(classes));

        var kept = KeptImages.Load(classes.Select(c => (Path.Combine(outFolder, c), c + "/")));
        var downloader = new ImageDownloader(fetcher);
        var reports = new List<DownloadReport>();
        foreach (string name in classes)
        {
            if (cancellation.IsCancellationRequested) break;
            string folder = Path.Combine(outFolder, name);
            string query = name + suffix;
            try
            {
                var (items, outcome, finished) = await FindAsync(folder, query, max, cancellation);
                var report = await downloader.DownloadAsync(folder, name, items, kept, progress, cancellation);
                reports.Add(report with { Outcome = outcome });
                // Recorded only once every result is in the manifest, so an interrupted run searches again.
                if (finished is not null && !cancellation.IsCancellationRequested)
                    SearchLog.Append(folder, finished);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // Stopped during a search: nothing of that class was downloaded yet.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                reports.Add(new DownloadReport(folder, 0, 0, 0, 0, 0, $"failed: {e.Message}"));
            }
        }

        return reports;
    }

    /// <summary>The URLs to download for one class, and how its search went.</summary>
    async Task<(List<DownloadItem> Items, string Outcome, SearchRecord? Finished)> FindAsync(string folder, string query, int max, CancellationToken cancellation)
    {
        var earlier = ImageDownloader.ReadManifest(folder).Where(e => e.Query == query).DistinctBy(e => e.Url).ToList();
        if (earlier.Count >= max || SearchLog.IsComplete(folder, query, max))
            return ([.. earlier.Select(e => new DownloadItem(e.Url, e.Provider, e.Query, e.Licence, e.Creator, e.SourcePage))], "searched in an earlier run", null);

        var items = new List<DownloadItem>();
        string? stopped = null;
        await using (var results = search.SearchAsync(query, max, cancellation).GetAsyncEnumerator(cancellation))
        {
            while (true)
            {
                try
                {
                    if (!await results.MoveNextAsync()) break;
                }
                catch (ImageSearchException e)
                {
                    // The pages already read are kept and downloaded; the reason goes in the summary.
                    stopped = e.Message;
                    break;
                }

                var result = results.Current;
                items.Add(DownloadItem.From(result, result.Provider ?? search.Name, query));
            }
        }

        string from = string.Join(", ", items.GroupBy(i => i.Provider).Select(g => $"{g.Key} {g.Count()}"));
        string found = items.Count == 0 ? "nothing found" : $"{items.Count} found ({from})";
        return stopped is null
            ? (items, items.Count < max ? $"{found}; the search ran dry" : found, new SearchRecord(query, max, items.Count, items.Count < max, search.Name))
            : (items, $"{found}; search stopped: {stopped}", null);
    }
}
