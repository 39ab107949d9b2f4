using Kodiak.Gathering;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>
/// Shows downloads as they go (a progress bar per class on an interactive terminal, a line per class otherwise),
/// then the summary table and the reminder to review what the web gave.
/// </summary>
internal sealed class DownloadDisplay(IAnsiConsole console) : IDownloadProgress
{
    readonly Dictionary<string, ProgressTask> _bars = [];
    readonly List<(string Label, string Reason)> _failures = [];
    readonly Lock _gate = new();
    ProgressContext? _progress;

    // The most common failure reasons are worth a line each; the manifest has them all.
    const int MaxFailureLines = 8;

    /// <summary>Runs <paramref name="work"/> inside a live progress display when the terminal can show one.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> work)
    {
        if (!console.Profile.Capabilities.Interactive)
            return await work();
        return await console.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                _progress = context;
                return await work();
            });
    }

    public void Started(string label, int toDownload, int alreadyDone)
    {
        lock (_gate)
        {
            if (_progress is null)
                console.MarkupLineInterpolated($"{label}: downloading {toDownload} images{(alreadyDone > 0 ? $" ({alreadyDone} done in an earlier run)" : "")}…");
            else
                _bars[label] = _progress.AddTask(label, maxValue: Math.Max(toDownload, 1));
            if (toDownload == 0 && _bars.TryGetValue(label, out var bar)) bar.Value = bar.MaxValue;
        }
    }

    public void Finished(string label, ManifestEntry entry)
    {
        lock (_gate)
        {
            if (_bars.TryGetValue(label, out var bar)) bar.Increment(1);
            if (entry is { Status: DownloadStatus.Failed, Reason: { } reason }) _failures.Add((label, reason));
        }
    }

    /// <summary>The table of what each folder got, and what to do next.</summary>
    public void Summary(IReadOnlyList<DownloadReport> reports, string root, bool stopped)
    {
        var table = new Table().AddColumns("folder", "URLs", "done before", "kept", "duplicates", "failed", "images now");
        foreach (var r in reports)
        {
            int images = ImageDownloader.ReadManifest(r.Folder).Count(e => e.Status == DownloadStatus.Kept);
            table.AddRow(Markup.Escape(Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Folder))), $"{r.Urls}", $"{r.AlreadyDone}", $"{r.Kept}", $"{r.Duplicates}", $"{r.Failed}", $"{images}");
        }

        console.Write(table);
        // Each class's search in words, below the table: the reasons are too long for a column.
        foreach (var r in reports.Where(r => r.Outcome is not null))
            console.MarkupLineInterpolated($"  {Path.GetFileName(Path.TrimEndingDirectorySeparator(r.Folder))}: {r.Outcome}");
        foreach (var group in _failures.GroupBy(f => f).OrderByDescending(g => g.Count()).Take(MaxFailureLines))
            console.MarkupLineInterpolated($"  [yellow]{group.Count()} failed[/] in {group.Key.Label}: {group.Key.Reason}");
        if (stopped)
            console.MarkupLine("[yellow]Stopped.[/] Every finished download is in the manifests; run the same command again to resume.");
        console.MarkupLineInterpolated($"Each folder's {ImageDownloader.ManifestFileName} records where every image came from (URL, provider, query, licence, creator) and why any failed.");
        console.MarkupLineInterpolated(
            $"[bold]Review the images in {root} before training:[/] web results can contain wrong, misleading or unpleasant pictures. Look through each folder; the cleaner will help.");
    }
}
