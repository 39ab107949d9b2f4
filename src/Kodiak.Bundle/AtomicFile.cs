namespace Kodiak.Bundle;

/// <summary>Writes a file all at once or not at all: bundles, training weights and checkpoints are never left half-written.</summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/>, flushes it to disk and renames it over
    /// <paramref name="path"/>, so a crash or error mid-way leaves any earlier file there untouched.
    /// </summary>
    /// <param name="path">The file to write; its folder is created.</param>
    /// <param name="write">Writes the content; it must leave the stream open.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            // Only our own temporary file: after the rename it no longer exists.
            File.Delete(temporary);
        }
    }
}
