using System.IO.Enumeration;

namespace Kodiak.Vision;

/// <summary>Finds image files in a folder.</summary>
public static class ImageFiles
{
    /// <summary>Folders starting with this prefix hold Kodiak's own bookkeeping (trash, journals) and are never listed.</summary>
    public const string ReservedFolderPrefix = ".kodiak-";

    /// <summary>File extensions treated as images, lower case with the dot.</summary>
    public static IReadOnlySet<string> Extensions { get; } =
        new HashSet<string>([".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"], StringComparer.OrdinalIgnoreCase);

    /// <summary>All image files under <paramref name="folder"/> and its subfolders; see <see cref="Get(string, bool)"/>.</summary>
    /// <param name="folder">The folder to search.</param>
    /// <remarks>A one-argument overload so that it can be passed as a DataBlock's <c>getItems</c>.</remarks>
    public static IReadOnlyList<string> Get(string folder) => Get(folder, recursive: true);

    /// <summary>
    /// Lists the image files (by extension, any letter case) under <paramref name="folder"/>, skipping
    /// <see cref="ReservedFolderPrefix"/> folders. The order is deterministic on every OS: ordinal on the
    /// path relative to <paramref name="folder"/> written with '/' separators.
    /// </summary>
    /// <param name="folder">The folder to search.</param>
    /// <param name="recursive">Whether to include subfolders.</param>
    /// <returns>Paths starting with <paramref name="folder"/>.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static IReadOnlyList<string> Get(string folder, bool recursive)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Image folder not found: '{folder}'.");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = recursive, AttributesToSkip = 0 };
        var files = new FileSystemEnumerable<string>(folder, (ref FileSystemEntry entry) => entry.ToSpecifiedFullPath(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                !entry.IsDirectory && Extensions.Contains(Path.GetExtension(entry.FileName).ToString()),
            ShouldRecursePredicate = (ref FileSystemEntry entry) =>
                !entry.FileName.StartsWith(ReservedFolderPrefix, StringComparison.Ordinal),
        };

        return files
            .Select(path => (Key: Path.GetRelativePath(folder, path).Replace('\\', '/'), Path: path))
            .OrderBy(file => file.Key, StringComparer.Ordinal)
            .Select(file => file.Path)
            .ToList();
    }
}
