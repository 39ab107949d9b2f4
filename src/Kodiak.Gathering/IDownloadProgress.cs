namespace Kodiak.Gathering;

/// <summary>Told as downloads start and finish, e.g. to draw progress bars.</summary>
public interface IDownloadProgress
{
    /// <summary>A folder's downloads begin.</summary>
    /// <param name="label">The class name (or the folder for a plain download).</param>
    /// <param name="toDownload">URLs that will be fetched now.</param>
    /// <param name="alreadyDone">URLs skipped because an earlier run already tried them.</param>
    void Started(string label, int toDownload, int alreadyDone);

    /// <summary>One URL is finished (kept, duplicate or failed) and recorded in the manifest.</summary>
    /// <param name="label">As in <see cref="Started"/>.</param>
    /// <param name="entry">Its manifest line.</param>
    void Finished(string label, ManifestEntry entry);
}
