using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Kodiak.Vision.Files;

namespace Kodiak.Gathering;

/// <summary>
/// The <c>manifest.jsonl</c> of a folder: one JSON object per line, appended (and flushed) as each URL finishes,
/// so an interrupted run leaves a manifest that the next run resumes from.
/// </summary>
internal sealed partial class Manifest : IDisposable
{
    public const string FileName = "manifest.jsonl";

    static readonly JsonSerializerOptions Format = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    readonly StreamWriter _writer;
    readonly HashSet<string> _urls;
    readonly Lock _gate = new();
    readonly int _lastNumber;

    Manifest(string folder, IReadOnlyList<ManifestEntry> entries)
    {
        Folder = folder;
        Entries = entries;
        _urls = entries.Select(e => e.Url).ToHashSet(StringComparer.Ordinal);
        // Numbers continue after every numbered file already there, ours or not, so nothing is overwritten.
        _lastNumber = Directory.EnumerateFiles(folder)
            .Select(f => NumberedName().Match(Path.GetFileName(f)))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value))
            .DefaultIfEmpty(0)
            .Max();
        _writer = new StreamWriter(new FileStream(Path.Combine(folder, FileName), FileMode.Append, FileAccess.Write, FileShare.Read));
    }

    public string Folder { get; }

    public IReadOnlyList<ManifestEntry> Entries { get; }

    public static IReadOnlyList<ManifestEntry> Read(string folder) => JsonLines.Read<ManifestEntry>(Path.Combine(folder, FileName), Format, "a manifest entry");

    /// <summary>Opens (creating the folder if needed) for appending.</summary>
    internal static Manifest Open(string folder)
    {
        Directory.CreateDirectory(folder);
        return new Manifest(folder, Read(folder));
    }

    /// <summary>True when the URL was already tried in an earlier run, whatever came of it.</summary>
    internal bool Contains(string url) => _urls.Contains(url);

    /// <summary>
    /// The name of the <paramref name="position"/>-th URL (from 0) of this run: numbers continue after every numbered file
    /// already in the folder, in list order as fastai's <c>download_images</c> does, so a failure leaves a gap.
    /// </summary>
    internal string ImageName(int position, string extension) => $"{_lastNumber + position + 1:D8}{extension}";

    internal void Append(ManifestEntry entry)
    {
        string line = JsonSerializer.Serialize(entry, Format);
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    public void Dispose() => _writer.Dispose();

    [GeneratedRegex(@"^(\d{8})\.[A-Za-z]+$")]
    private static partial Regex NumberedName();
}
