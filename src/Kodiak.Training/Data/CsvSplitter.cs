namespace Kodiak.Training.Data;

/// <summary>
/// Splits by a true/false column of a CSV file keyed by file path (fastai's <c>ColSplitter</c> on a
/// CSV): <c>file,is_valid</c>. Paths in the CSV are relative to the CSV's folder; a file the CSV does
/// not list is an error that names it.
/// </summary>
/// <param name="csvPath">The CSV file, with a header row.</param>
/// <param name="fileColumn">Column holding the file path.</param>
/// <param name="validColumn">Column holding true/false (or 1/0).</param>
public sealed class CsvSplitter(string csvPath, string fileColumn = "file", string validColumn = "is_valid") : ISplitter
{
    /// <inheritdoc />
    public (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items)
    {
        var flags = Csv.ReadColumn(csvPath, fileColumn, validColumn, (value, line) => value.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" or "" => false,
            _ => throw new InvalidDataException($"{csvPath}, line {line}: '{value}' in column '{validColumn}' is not true/false."),
        });
        return new FuncSplitter(item => flags.TryGetValue(Path.GetFullPath(item), out bool valid)
            ? valid
            : throw new InvalidDataException($"'{item}' is not listed in {csvPath}.")).Split(items);
    }

    /// <inheritdoc />
    public override string ToString() => $"CsvSplitter({csvPath}, {validColumn})";
}
