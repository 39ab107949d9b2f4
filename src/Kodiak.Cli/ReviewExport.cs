using System.Text.Json;
using System.Text.Json.Serialization;
using Kodiak.Monitoring;
using Kodiak.Server;
using Kodiak.Vision.Files;

namespace Kodiak.Cli;

/// <summary>
/// Copies the reviewed images of a review queue into a data folder, <c>DATA/&lt;label&gt;/</c>, for the next <c>kodiak train</c>:
/// confirmed ones under the model's label, corrected ones under the person's; "none of these" has no class folder and stays out.
/// Each copy gets a line in its folder's <c>manifest.jsonl</c>, in gather's format (<c>url</c>, <c>sha256</c>, <c>status</c>,
/// <c>file</c>) with the review's provenance added, and the url <c>review:REQUEST-ID</c> marks it exported: a second export adds nothing.
/// Files are named by their SHA-256 and created new, so nothing there is ever overwritten.
/// </summary>
internal static class ReviewExport
{
    const string ManifestName = "manifest.jsonl";

    static readonly JsonSerializerOptions Format = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>What an export did.</summary>
    /// <param name="Copied">Images copied, per class.</param>
    /// <param name="AlreadyThere">Reviewed items exported before (or whose image the folder holds already).</param>
    /// <param name="NoneOfThese">Items reviewed as none of the classes, left out.</param>
    public sealed record Result(IReadOnlyDictionary<string, int> Copied, int AlreadyThere, int NoneOfThese);

    /// <summary>Exports every reviewed item of <paramref name="queue"/> into <paramref name="data"/>.</summary>
    /// <exception cref="IOException">A folder or file cannot be written.</exception>
    public static async Task<Result> RunAsync(IReviewQueue queue, string data, CancellationToken cancellation)
    {
        var copied = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var exported = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal); // per class: urls and sha256s in its manifest
        int already = 0, none = 0;
        await foreach (var item in queue.ReviewedAsync(cancellation))
        {
            if (item.Status == ReviewStatus.NoneOfThese || item.ReviewedLabel is not { } label)
            {
                none++;
                continue;
            }

            string folder = Path.Combine(data, ClassFolder(label));
            if (!exported.TryGetValue(label, out var seen))
            {
                seen = [.. JsonLines.Read<Line>(Path.Combine(folder, ManifestName), Format, "a manifest entry").SelectMany(l => new[] { l.Url, l.Sha256 ?? "" })];
                exported[label] = seen;
            }

            string url = $"review:{item.RequestId}";
            if (seen.Contains(url) || seen.Contains(item.ImageSha256))
            {
                already++;
                continue;
            }

            Directory.CreateDirectory(folder);
            string file = $"review-{item.ImageSha256[..Math.Min(16, item.ImageSha256.Length)]}{UploadFormat.Of(item.Image.Span).Extension}";
            string path = Path.Combine(folder, file);
            if (File.Exists(path))
            {
                already++; // the same bytes, by their name: another tool put them there
                continue;
            }

            await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                await stream.WriteAsync(item.Image, cancellation);
            var line = new Line(url, "review", item.ImageSha256, "kept", file, "review", item.RequestId, item.ModelId, item.ModelVersion,
                item.Label, label, item.Reviewer, item.ReviewedAt, item.Time);
            await File.AppendAllTextAsync(Path.Combine(folder, ManifestName), JsonSerializer.Serialize(line, Format) + "\n", cancellation);
            seen.Add(url);
            seen.Add(item.ImageSha256);
            copied[label] = copied.GetValueOrDefault(label) + 1;
        }

        return new Result(copied, already, none);
    }

    /// <summary>The label as a folder name: the model's classes came from folder names, so only a label that cannot be one is refused.</summary>
    static string ClassFolder(string label) =>
        label.Length == 0 || label is "." or ".." || label.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || label.Contains('/') || label.Contains('\\')
            ? throw new IOException($"The reviewed label '{label}' cannot be a folder name.")
            : label;

    /// <summary>One manifest line: gather's fields (url, provider, sha256, status, file) and the review's provenance.</summary>
    sealed record Line(string Url, string? Provider, string? Sha256, string? Status, string? File, string? Source, string? RequestId, string? Model,
        string? ModelVersion, string? Predicted, string? Label, string? Reviewer, DateTimeOffset? ReviewedAt, DateTimeOffset? PredictedAt);
}
