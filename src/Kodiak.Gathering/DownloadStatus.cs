namespace Kodiak.Gathering;

/// <summary>What became of one URL.</summary>
public enum DownloadStatus
{
    /// <summary>Downloaded, decoded and saved.</summary>
    Kept,

    /// <summary>The same bytes were already kept (in this folder or another class); not saved again.</summary>
    Duplicate,

    /// <summary>Could not be fetched or is not a usable image; <see cref="ManifestEntry.Reason"/> says why.</summary>
    Failed,
}
