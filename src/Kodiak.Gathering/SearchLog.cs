using System.Text.Json;
using Kodiak.Vision.Files;

namespace Kodiak.Gathering;

/// <summary>
/// A class folder's <c>searches.jsonl</c>: one line per search that finished (ran to <c>max</c> or ran dry), so a re-run
/// knows which searches are complete in the manifest and asks the providers nothing for them.
/// </summary>
internal static class SearchLog
{
    public const string FileName = "searches.jsonl";

    static readonly JsonSerializerOptions Format = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>True when an earlier search for <paramref name="query"/> asked for at least <paramref name="max"/> results, or found every result there was.</summary>
    public static bool IsComplete(string folder, string query, int max) =>
        JsonLines.Read<SearchRecord>(Path.Combine(folder, FileName), Format, "a search record")
            .Any(r => r.Query == query && (r.RanDry || r.Max >= max));

    public static void Append(string folder, SearchRecord record)
    {
        Directory.CreateDirectory(folder);
        File.AppendAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(record, Format) + "\n");
    }
}

/// <summary>One finished search.</summary>
/// <param name="Query">What was searched for.</param>
/// <param name="Max">How many results were asked for.</param>
/// <param name="Found">How many came back.</param>
/// <param name="RanDry">Fewer than asked came back: there are no more.</param>
/// <param name="Provider">The search (e.g. <c>auto</c> or <c>ddg</c>).</param>
internal sealed record SearchRecord(string Query, int Max, int Found, bool RanDry, string Provider);
