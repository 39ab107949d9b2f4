using Kodiak.Vision;
using Kodiak.Vision.Files;

namespace Kodiak.Gathering;

/// <summary>
/// Builds a data set the fastai way: one image search per class, downloaded and verified into <c>OUT/&lt;class&gt;/</c>,
/// duplicates dropped across all classes.
/// </summary>
public sealed class Gatherer(IImageSearch search, Fetcher fetcher)
{
    /// <summary>
    /// Searches for each class (its name plus <paramref name="suffix"/>) and downloads up to <paramref name="max"/>
    /// results into <c><paramref name="outFolder"/>/&lt;class&gt;/</c>. A re-run skips every URL already tried. When
    /// cancelled, returns the reports of the classes started so far, each as far as it got.
    /// </summary>
    /// <param name="outFolder">The data set folder.</param>
    /// <param name="classes">Class names, which become folder names.</param>
    /// <param name="suffix">Appended to each class name to make the query, e.g. " bear".</param>
    /// <param name="max">Most search results per class.</param>
    /// <param name="progress">Told as each URL finishes; may be null.</param>
    /// <param name="cancellation">Stops cleanly.</param>
    /// <exception cref="ArgumentException">A class name cannot be a folder name, or is repeated.</exception>
    /// <exception cref="ImageSearchException">The provider cannot be used.</exception>
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
        try
        {
            foreach (string name in classes)
            {
                string query = name + suffix;
                var items = new List<DownloadItem>();
                await foreach (var result in search.SearchAsync(query, max, cancellation))
                    items.Add(DownloadItem.From(result, search.Name, query));
                reports.Add(await downloader.DownloadAsync(Path.Combine(outFolder, name), name, items, kept, progress, cancellation));
                if (cancellation.IsCancellationRequested) break;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped during a search: nothing of that class was downloaded yet.
        }

        return reports;
    }
}
