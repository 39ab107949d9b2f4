using System.Text.Json;

namespace Kodiak.Vision.Files;

/// <summary>Reads JSON Lines files (one JSON object a line), such as a download manifest or the cleaner's journal.</summary>
public static class JsonLines
{
    /// <summary>
    /// Every object of <paramref name="path"/>, in file order, skipping blank lines; empty when the file does not exist.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">How the objects are written.</param>
    /// <param name="what">What one line holds, for the error ("a manifest entry").</param>
    /// <exception cref="InvalidDataException">A line is not such an object; the message names the file and line.</exception>
    public static IReadOnlyList<T> Read<T>(string path, JsonSerializerOptions options, string what)
    {
        if (!File.Exists(path))
            return [];
        var entries = new List<T>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                entries.Add(JsonSerializer.Deserialize<T>(line, options) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path} line {number} is not {what} ({e.Message}); fix or remove that line.", e);
            }
        }

        return entries;
    }
}
