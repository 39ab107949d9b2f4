using System.IO.Enumeration;

namespace Kodiak.Vision.Files;

/// <summary>Finds image files in a folder.</summary>
public static class ImageFiles
{
    /// <summary>Folders starting with this prefix hold Kodiak's own bookkeeping (trash, journals) and are never listed.</summary>
    public const string ReservedFolderPrefix = ".kodiak-";

    /// <summary>
    /// True when a step of <paramref name="relativePath"/> (separated by '/' or '\') is a <see cref="ReservedFolderPrefix"/>
    /// folder: the path is in Kodiak's own bookkeeping, which <see cref="Get(string, bool)"/> never lists.
    /// </summary>
    /// <param name="relativePath">A path relative to a data folder.</param>
    public static bool IsReserved(string relativePath) =>
        relativePath.Split('/', '\\').Any(step => step.StartsWith(ReservedFolderPrefix, StringComparison.Ordinal));

    /// <summary>
    /// Why <paramref name="name"/> cannot be a class folder of a data folder, or null when it can: the one rule for
    /// gathering, relabelling and listing, so a class that is made is also a class that is listed.
    /// </summary>
    /// <param name="name">The class name, which is the folder name.</param>
    public static string? ClassNameProblem(string name) => name switch
    {
        null or "" => "a class name is empty",
        "." or ".." => $"'{name}' is not a class name",
        _ when name.Trim() != name => $"class name '{name}' starts or ends with a space",
        _ when name.IndexOfAny(['/', '\\']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 =>
            $"class name '{name}' cannot be a folder name (it holds a path separator or another character a file name cannot have)",
        _ when name.StartsWith(ReservedFolderPrefix, StringComparison.Ordinal) =>
            $"class name '{name}' starts with '{ReservedFolderPrefix}', which marks Kodiak's own folders: its images would never be listed",
        _ => null,
    };

    /// <summary>
    /// <paramref name="path"/>, or the first of "name (2).ext", "name (3).ext"… that is neither a file nor a folder yet:
    /// where a file can be moved without overwriting anything.
    /// </summary>
    /// <param name="path">The wanted path.</param>
    public static string FreeName(string path)
    {
        string folder = Path.GetDirectoryName(path)!, name = Path.GetFileNameWithoutExtension(path), extension = Path.GetExtension(path);
        string candidate = path;
        for (int n = 2; File.Exists(candidate) || Directory.Exists(candidate); n++)
            candidate = Path.Combine(folder, $"{name} ({n}){extension}");
        return candidate;
    }

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
