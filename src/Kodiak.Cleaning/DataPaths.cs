using Kodiak.Vision.Files;

namespace Kodiak.Cleaning;

/// <summary>Paths inside a data folder: relative forms and the check that a request stays inside it.</summary>
internal static class DataPaths
{
    /// <summary>How this file system compares paths.</summary>
    public static StringComparison Comparison { get; } = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Path sets that compare as this file system does.</summary>
    public static StringComparer Comparer { get; } = OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary><paramref name="path"/> relative to <paramref name="folder"/>, with '/' separators.</summary>
    public static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

    /// <summary>
    /// The full path of <paramref name="path"/> (relative to <paramref name="folder"/>, or absolute), refused unless it
    /// is inside the folder and outside Kodiak's own <see cref="ImageFiles.ReservedFolderPrefix"/> folders.
    /// </summary>
    /// <exception cref="CleaningRefusedException">The path leaves the folder or enters a reserved one.</exception>
    public static string Inside(string folder, string path)
    {
        string full = Path.GetFullPath(path, folder);
        string relative = Path.GetRelativePath(folder, full);
        if (relative == "." || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            || Path.IsPathRooted(relative))
            throw new CleaningRefusedException($"'{path}' is outside the data folder '{folder}'.");
        if (ImageFiles.IsReserved(relative))
            throw new CleaningRefusedException($"'{path}' is in Kodiak's own bookkeeping, not in the data.");
        return full;
    }

    /// <summary>Two paths name the same file on this file system.</summary>
    public static bool Same(string a, string b) => string.Equals(a, b, Comparison);

}
