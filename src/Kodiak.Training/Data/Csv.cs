using System.Text;

namespace Kodiak.Training.Data;

/// <summary>Just enough CSV (RFC 4180: commas, quotes, doubled quotes) to read label and split files.</summary>
internal static class Csv
{
    /// <summary>Maps each row's file (as a full path, relative to the CSV's folder) to a parsed value of another column.</summary>
    public static Dictionary<string, T> ReadColumn<T>(string csvPath, string fileColumn, string valueColumn, Func<string, int, T> parse)
    {
        if (!File.Exists(csvPath))
            throw new FileNotFoundException($"CSV file not found: '{csvPath}'.", csvPath);
        var rows = File.ReadAllLines(csvPath).Select(ParseLine).ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"{csvPath} is empty; it needs a header row with '{fileColumn}' and '{valueColumn}'.");
        int fileIndex = ColumnIndex(rows[0], fileColumn, csvPath), valueIndex = ColumnIndex(rows[0], valueColumn, csvPath);
        string folder = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        for (int i = 1; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Count == 1 && row[0].Length == 0) continue;
            if (row.Count <= Math.Max(fileIndex, valueIndex))
                throw new InvalidDataException($"{csvPath}, line {i + 1}: expected at least {Math.Max(fileIndex, valueIndex) + 1} fields, found {row.Count}.");
            result[Path.GetFullPath(Path.Combine(folder, row[fileIndex]))] = parse(row[valueIndex], i + 1);
        }
        return result;
    }

    static int ColumnIndex(List<string> header, string name, string csvPath) =>
        header.IndexOf(name) is var i and >= 0
            ? i
            : throw new InvalidDataException($"{csvPath} has no column '{name}' (its columns: {string.Join(", ", header)}).");

    internal static List<string> ParseLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
