using System.Text.RegularExpressions;

namespace Kodiak.Training.Data;

/// <summary>Ways to get an item's label (fastai's <c>get_y</c>).</summary>
public static class Labels
{
    /// <summary>The name of the folder that holds the file: <c>bears/grizzly/1.jpg</c> → <c>grizzly</c>.</summary>
    public static string ParentFolder(string path) =>
        Path.GetFileName(Path.GetDirectoryName(path)) is { Length: > 0 } name
            ? name
            : throw new InvalidDataException($"'{path}' has no parent folder to take a label from.");

    /// <summary>
    /// The first capture group of <paramref name="pattern"/> matched against the file name, e.g.
    /// <c>^(.+)_\d+\.jpg$</c> on <c>great_pyrenees_12.jpg</c> → <c>great_pyrenees</c>.
    /// A name that does not match is an error naming the file.
    /// </summary>
    /// <param name="pattern">A regular expression with one capture group.</param>
    public static Func<string, string> FromRegex(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        if (regex.GetGroupNumbers().Length < 2)
            throw new ArgumentException($"The pattern '{pattern}' needs a capture group around the label.", nameof(pattern));
        return path =>
        {
            var match = regex.Match(Path.GetFileName(path));
            return match.Success && match.Groups[1].Length > 0
                ? match.Groups[1].Value
                : throw new InvalidDataException($"The file name of '{path}' does not match the label pattern '{pattern}'.");
        };
    }

    /// <summary>
    /// Labels from a CSV file with a header row (<c>file,label</c>); paths relative to the CSV's folder.
    /// A file the CSV does not list is an error naming it.
    /// </summary>
    /// <param name="csvPath">The CSV file.</param>
    /// <param name="fileColumn">Column holding the file path.</param>
    /// <param name="labelColumn">Column holding the label.</param>
    public static Func<string, string> FromCsv(string csvPath, string fileColumn = "file", string labelColumn = "label")
    {
        var labels = Csv.ReadColumn(csvPath, fileColumn, labelColumn, (value, line) => value.Length > 0
            ? value
            : throw new InvalidDataException($"{csvPath}, line {line}: the label is empty."));
        return path => labels.TryGetValue(Path.GetFullPath(path), out var label)
            ? label
            : throw new InvalidDataException($"'{path}' has no label in {csvPath}.");
    }
}
