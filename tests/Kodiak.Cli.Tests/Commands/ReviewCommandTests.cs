using System.Text.Json;
using Kodiak.Monitoring;
using Kodiak.Testing;
using Microsoft.Data.Sqlite;

namespace Kodiak.Cli.Tests.Commands;

public sealed class ReviewCommandTests : IDisposable
{
    static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    readonly TempFolder _temp = new();

    static ReviewItem Item(string requestId, string sha, byte marker) =>
        new(0, T0, requestId, "bears", "v1", "grizzly", new Dictionary<string, float> { ["black"] = 0.45f, ["grizzly"] = 0.55f }, 0.5, false,
            ReviewReasons.LowConfidence, sha)
        { Image = new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, marker } };

    /// <summary>A log with four queued items: confirmed, corrected to black, none of these, and one still pending.</summary>
    async Task<string> PlantAsync()
    {
        string log = Path.Combine(_temp.Path, "log.db");
        await using var queue = PredictionLog.OpenReviewQueue(log);
        await queue.AddAsync([Item("r-confirmed", "aa11", 1), Item("r-corrected", "bb22", 2), Item("r-none", "cc33", 3), Item("r-pending", "dd44", 4)]);
        var items = await queue.PendingAsync(0, 10);
        await queue.ReviewAsync(items[0].Id, ReviewStatus.Confirmed, "grizzly", "ana", T0.AddHours(1));
        await queue.ReviewAsync(items[1].Id, ReviewStatus.Corrected, "black", "ana", T0.AddHours(2));
        await queue.ReviewAsync(items[2].Id, ReviewStatus.NoneOfThese, null, "bo", T0.AddHours(3));
        return log;
    }

    [Fact]
    public async Task Reviewed_images_go_into_their_class_folder_with_provenance_and_a_second_export_adds_nothing()
    {
        string log = await PlantAsync();
        string data = Path.Combine(_temp.Path, "bears");
        Directory.CreateDirectory(Path.Combine(data, "black"));
        File.WriteAllBytes(Path.Combine(data, "black", "00000001.jpg"), [1, 2, 3]); // gathered before: left alone

        var (code, output, error) = await CliRunner.RunAsync("review", "export", log, data);
        var (againCode, again, _) = await CliRunner.RunAsync("review", "export", log, data);

        Assert.Equal((0, ""), (code, error));
        Assert.Contains("Exported 2 image(s)", output);
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1 }, File.ReadAllBytes(Path.Combine(data, "grizzly", "review-aa11.jpg")));
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 2 }, File.ReadAllBytes(Path.Combine(data, "black", "review-bb22.jpg")));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(data, "black", "00000001.jpg")));
        Assert.Equal(["00000001.jpg", "manifest.jsonl", "review-bb22.jpg"], Directory.GetFiles(Path.Combine(data, "black")).Select(Path.GetFileName).Order());
        Assert.Equal(["black", "grizzly"], Directory.GetDirectories(data).Select(Path.GetFileName).Order()); // none of these has no folder
        var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.Combine(data, "black", "manifest.jsonl")))).RootElement;
        Assert.Equal(("review", "r-corrected", "bears", "grizzly", "black", "kept", "review-bb22.jpg", "bb22"),
            (line.GetProperty("source").GetString(), line.GetProperty("request_id").GetString(), line.GetProperty("model").GetString(),
             line.GetProperty("predicted").GetString(), line.GetProperty("label").GetString(), line.GetProperty("status").GetString(),
             line.GetProperty("file").GetString(), line.GetProperty("sha256").GetString()));
        Assert.Equal(T0.AddHours(2), line.GetProperty("reviewed_at").GetDateTimeOffset());
        Assert.Equal(0, againCode);
        Assert.Contains("Nothing new to export (2 exported before, 1 none of these)", again);
        Assert.Single(File.ReadAllLines(Path.Combine(data, "grizzly", "manifest.jsonl")));
    }

    [Fact]
    public async Task A_missing_log_is_named_and_not_created()
    {
        string missing = Path.Combine(_temp.Path, "nope.db");

        var (code, _, error) = await CliRunner.RunAsync("review", "export", missing, Path.Combine(_temp.Path, "data"));

        Assert.Equal(1, code);
        Assert.Contains($"No prediction log at '{missing}'", error.ReplaceLineEndings(""));
        Assert.False(File.Exists(missing));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }
}
