using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kodiak.Vision.Codecs;

namespace Kodiak.Gathering;

/// <summary>
/// Downloads images into a folder: several at a time, each fetched by a <see cref="Fetcher"/> (time limit, retries,
/// redirects, size cap), its type decided by its bytes, decoded with Kodiak.Vision before it is kept, dropped when the
/// same bytes were already kept, saved as <c>00000001.jpg</c>-style names numbered in list order, and recorded in the folder's <c>manifest.jsonl</c>.
/// URLs already in the manifest are skipped, so a re-run resumes and a finished folder is left as it is.
/// </summary>
public sealed class ImageDownloader(Fetcher fetcher)
{
    /// <summary>The manifest's file name inside each folder.</summary>
    public const string ManifestFileName = Manifest.FileName;

    /// <summary>Added to an image's name while it is written; no image list includes such files.</summary>
    internal const string PartialSuffix = ".kodiak-partial";

    /// <summary>Reads a folder's <c>manifest.jsonl</c>; empty when there is none.</summary>
    /// <param name="folder">A folder written by a download.</param>
    /// <exception cref="InvalidDataException">A line is not a manifest entry; the message names the file and line.</exception>
    public static IReadOnlyList<ManifestEntry> ReadManifest(string folder) => Manifest.Read(folder);

    /// <summary>
    /// Downloads <paramref name="items"/> into <paramref name="folder"/> (created if needed). When cancelled, returns
    /// after the downloads in flight stop; the ones finished are in the manifest and the rest are fetched next time.
    /// </summary>
    /// <param name="folder">Where the images and manifest go.</param>
    /// <param name="items">URLs to download; repeated URLs count once.</param>
    /// <param name="progress">Told as each URL finishes; may be null.</param>
    /// <param name="cancellation">Stops cleanly.</param>
    public Task<DownloadReport> DownloadAsync(string folder, IEnumerable<DownloadItem> items, IDownloadProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return DownloadAsync(folder, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))), items,
            KeptImages.Load([(folder, "")]), progress, cancellation);
    }

    internal async Task<DownloadReport> DownloadAsync(string folder, string label, IEnumerable<DownloadItem> items, KeptImages kept,
        IDownloadProgress? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(items);
        using var manifest = Manifest.Open(folder);
        RemovePartialImages(folder);
        var distinct = items.DistinctBy(i => i.Url).ToList();
        var todo = distinct.Where(i => !manifest.Contains(i.Url)).ToList();
        progress?.Started(label, todo.Count, distinct.Count - todo.Count);
        var counts = new ConcurrentDictionary<DownloadStatus, int>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = fetcher.Options.Parallelism, CancellationToken = cancellation };
        try
        {
            await Parallel.ForEachAsync(todo.Select((item, position) => (item, position)), parallel, async (next, token) =>
            {
                var entry = await DownloadOneAsync(next.item, next.position, manifest, kept, token);
                manifest.Append(entry);
                counts.AddOrUpdate(entry.Status, 1, (_, n) => n + 1);
                progress?.Finished(label, entry);
            });
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped on request: what finished is in the manifest; the rest is fetched next run.
        }

        return new DownloadReport(folder, distinct.Count, distinct.Count - todo.Count,
            counts.GetValueOrDefault(DownloadStatus.Kept), counts.GetValueOrDefault(DownloadStatus.Duplicate), counts.GetValueOrDefault(DownloadStatus.Failed));
    }

    async Task<ManifestEntry> DownloadOneAsync(DownloadItem item, int position, Manifest manifest, KeptImages kept, CancellationToken cancellation)
    {
        var entry = new ManifestEntry(item.Url, item.Provider, item.Query, item.Licence, item.Creator, item.SourcePage, null, DownloadStatus.Failed, null, null);
        if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var url))
            return entry with { Reason = "not a valid URL" };
        Fetched fetched;
        try
        {
            fetched = await fetcher.GetAsync(url, new FetchSettings(fetcher.Options.MaxImageBytes, []), cancellation);
        }
        catch (FetchException e)
        {
            return entry with { Reason = e.Message };
        }

        if (Problem(fetched) is { } problem)
            return entry with { Reason = problem };
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(fetched.Body));
        var format = ImageDecoder.Identify(fetched.Body).Format;
        string name = manifest.ImageName(position, Extension(format));
        if (kept.Claim(sha256, manifest.Folder, name) is { } duplicateOf)
            return entry with { Sha256 = sha256, Status = DownloadStatus.Duplicate, Reason = $"same image as {duplicateOf}" };
        // Written under a name nothing lists, then renamed into place: a crash never leaves a half-written image.
        string path = Path.Combine(manifest.Folder, name);
        await using (var file = new FileStream(path + PartialSuffix, FileMode.Create, FileAccess.Write))
            await file.WriteAsync(fetched.Body, CancellationToken.None);
        File.Move(path + PartialSuffix, path);
        return entry with { Sha256 = sha256, Status = DownloadStatus.Kept, File = name };
    }

    /// <summary>Images that an interrupted run was still writing: ours, never complete, and not in the manifest.</summary>
    static void RemovePartialImages(string folder)
    {
        foreach (string partial in Directory.EnumerateFiles(folder, "*" + PartialSuffix))
            if (partial.EndsWith(PartialSuffix, StringComparison.Ordinal))
                File.Delete(partial);
    }

    /// <summary>The decoder decides, from the bytes alone; the server's Content-Type only helps explain a refusal.</summary>
    static string? Problem(Fetched fetched)
    {
        try
        {
            ImageDecoder.DecodeAtLeast(fetched.Body, 1, 1);
            return null;
        }
        catch (ImageDecodeException e)
        {
            return fetched.ContentType is { } type ? $"{e.Reason} (the server said {type})" : e.Reason;
        }
    }

    static string Extension(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => ".jpg",
        ImageFormat.Png => ".png",
        ImageFormat.Webp => ".webp",
        ImageFormat.Gif => ".gif",
        ImageFormat.Bmp => ".bmp",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };
}

/// <summary>Content hashes of the images kept so far, across every folder of one run, so a duplicate is dropped wherever the first copy is.</summary>
internal sealed class KeptImages
{
    readonly Dictionary<string, string> _where = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> _prefixes = new(StringComparer.Ordinal);
    readonly Lock _gate = new();

    /// <summary>Reads the kept entries of each folder's manifest; <c>Prefix</c> goes before file names in "same image as" reasons.</summary>
    public static KeptImages Load(IEnumerable<(string Folder, string Prefix)> folders)
    {
        var kept = new KeptImages();
        foreach (var (folder, prefix) in folders)
        {
            kept._prefixes[Path.GetFullPath(folder)] = prefix;
            foreach (var entry in Manifest.Read(folder))
                if (entry is { Status: DownloadStatus.Kept, Sha256: { } sha, File: { } file })
                    kept._where.TryAdd(sha, prefix + file);
        }

        return kept;
    }

    /// <summary>Records new bytes as kept in <paramref name="folder"/>/<paramref name="name"/> and returns null, or returns where the same bytes were kept already.</summary>
    public string? Claim(string sha256, string folder, string name)
    {
        lock (_gate)
        {
            if (_where.TryGetValue(sha256, out var existing))
                return existing;
            _where[sha256] = _prefixes.GetValueOrDefault(Path.GetFullPath(folder), "") + name;
            return null;
        }
    }
}
