using System.Text.Json;
using Kodiak.Cleaning;
using Kodiak.Testing;
using static Kodiak.Cli.Tests.Listening;

namespace Kodiak.Cli.Tests.Commands;

public sealed class CleanCommandTests : IDisposable
{
    readonly PlantedData _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task List_json_ranks_the_planted_problems_first_in_every_kind()
    {
        var (code, stdout, error) = await CliRunner.RunAsync("clean", _data.Bundle, _data.Data, "--list", "--json", "--top", "2");

        Assert.True(code == 0, error);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(["loss", "mislabeled", "duplicates", "outliers"], root.EnumerateObject().Select(p => p.Name));
        string[] wrong = [PlantedData.CopiedAcrossClasses, PlantedData.WrongClass];
        Assert.Equal(wrong.Order(), root.GetProperty("loss").EnumerateArray().Select(File).Order());
        Assert.Equal(wrong.Order(), root.GetProperty("mislabeled").EnumerateArray().Select(File).Order());
        Assert.All(root.GetProperty("mislabeled").EnumerateArray(), m => Assert.Equal("red", m.GetProperty("likely").GetString()));
        var pairs = root.GetProperty("duplicates").EnumerateArray().ToList();
        Assert.Equal(2, pairs.Count);
        Assert.Contains(pairs, p => p.GetProperty("acrossClasses").GetBoolean() && p.GetProperty("second").GetProperty("file").GetString() == PlantedData.CopiedFrom);
        Assert.Contains(pairs, p => p.GetProperty("acrossSplits").GetBoolean() && p.GetProperty("first").GetProperty("split").GetString() == "valid");
        Assert.Equal(PlantedData.Outlier, File(root.GetProperty("outliers")[0]));
    }

    [Fact]
    public async Task List_text_prints_one_section_per_kind_asked_for()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("clean", _data.Bundle, _data.Data, "--list", "--kind", "mislabeled", "outliers", "--top", "1");

        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("# mislabeled: 1 of 2", lines[0]);
        Assert.Contains("likely red", lines[1]);
        Assert.StartsWith("# outliers: 1 of 22", lines[2]);
        Assert.StartsWith($"{PlantedData.Outlier} (red, train, ", lines[3]);
    }

    [Fact]
    public async Task Delete_and_relabel_move_the_files_and_undo_puts_them_back_byte_for_byte()
    {
        var before = _data.Snapshot();

        var (code, stdout, error) = await CliRunner.RunAsync("clean", _data.Data, "--delete", PlantedData.CopiedAcrossClasses, PlantedData.Outlier,
            "--relabel", $"{PlantedData.WrongClass}=red");

        Assert.True(code == 0, error);
        Assert.Contains($"delete  {PlantedData.Outlier} -> .kodiak-trash/{PlantedData.Outlier}", stdout);
        Assert.Contains($"relabel  {PlantedData.WrongClass} -> red/r9.png", stdout);
        Assert.True(System.IO.File.Exists(_data.Full("red/r9.png")));
        Assert.False(System.IO.File.Exists(_data.Full(PlantedData.Outlier)));
        Assert.Equal(3, System.IO.File.ReadAllLines(_data.Full(DataCleaner.JournalFile)).Length);

        var (undoCode, undone, _) = await CliRunner.RunAsync("clean", _data.Data, "--undo");

        Assert.Equal(0, undoCode);
        Assert.Contains($"undo  red/r9.png -> {PlantedData.WrongClass}", undone);
        var after = _data.Snapshot().Where(f => f.Key != DataCleaner.JournalFile).ToDictionary();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        Assert.Contains("Nothing to undo.", (await CliRunner.RunAsync("clean", _data.Data, "--undo", "--all")).Out);
    }

    [Fact]
    public async Task A_path_outside_the_data_folder_is_refused_and_nothing_moves()
    {
        var before = _data.Snapshot();

        var (code, _, error) = await CliRunner.RunAsync("clean", _data.Data, "--delete", "red/r1.png", "../colours.kodiak");

        Assert.Equal(1, code);
        Assert.Contains("'../colours.kodiak' is outside the data folder", error.ReplaceLineEndings(""));
        Assert.Equal(before.Keys.Order(), _data.Snapshot().Keys.Order());
    }

    [Fact]
    public async Task A_bundle_without_features_or_an_unreadable_image_is_a_clear_error()
    {
        string plain = ColourModel.Write(Path.Combine(_data.Data, "..", "plain.kodiak"), features: false);

        var (code, _, error) = await CliRunner.RunAsync("clean", plain, _data.Data, "--list");

        Assert.Equal(1, code);
        Assert.Contains("has no features output", error.ReplaceLineEndings(""));

        System.IO.File.WriteAllText(_data.Full("red/broken.png"), "not an image");
        (code, _, error) = await CliRunner.RunAsync("clean", _data.Bundle, _data.Data, "--list");

        Assert.Equal(1, code);
        Assert.Contains("broken.png", error.ReplaceLineEndings(""));
    }

    [Fact]
    public async Task Without_a_mode_it_serves_the_cleaner_page_at_its_url_until_stopped()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        var serving = CliRunner.RunAsync(["clean", _data.Bundle, _data.Data, "--urls", url], stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        await WaitUntilUp(client, serving);
        using var outliers = await client.GetAsync("/api/suspects/outliers?top=1");
        using var page = await client.GetAsync("/");
        stop.Cancel();
        var (code, output, error) = await serving;

        Assert.True(code == 0, error);
        var first = JsonDocument.Parse(await outliers.Content.ReadAsStringAsync()).RootElement.GetProperty("items")[0];
        Assert.Equal(PlantedData.Outlier, first.GetProperty("image").GetProperty("path").GetString());
        Assert.Contains("<title>Kodiak cleaner</title>", await page.Content.ReadAsStringAsync());
        Assert.Contains($"Scoring the images of {_data.Data}", output);
        Assert.Contains("(22 images: red, green, blue)", output);
        Assert.Contains($"Open {url}/ in a browser", output);
        Assert.DoesNotContain("token", output);
    }

    [Fact]
    public async Task Serving_with_a_missing_model_is_a_clear_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("clean", Path.Combine(_data.Data, "..", "nothing-here.kodiak"), _data.Data, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, code);
        Assert.Contains("nothing-here.kodiak", error.ReplaceLineEndings(""));
    }

    [Theory]
    [InlineData("The cleaner page needs the model and the data folder: kodiak clean MODEL.kodiak DATA")]
    [InlineData("The cleaner page needs the model and the data folder", "--urls", "http://127.0.0.1:0")]
    [InlineData("--urls goes with the cleaner page", "--undo", "--urls", "http://127.0.0.1:0")]
    [InlineData("--urls goes with the cleaner page", "--delete", "red/r1.png", "--urls", "http://127.0.0.1:0")]
    [InlineData("--similarity goes with --list or the cleaner page", "--undo", "--similarity", "0.9")]
    [InlineData("--list needs the model and the data folder", "--list")]
    [InlineData("Use one of --list, --delete/--relabel, --undo, or none of them to serve the cleaner page", "--undo", "--list")]
    [InlineData("--all goes with --undo", "--delete", "red/r1.png", "--all")]
    [InlineData("--relabel takes PATH=CLASS, not 'red/r1.png'", "--relabel", "red/r1.png")]
    [InlineData("--top must be at least 1", "--undo", "--top", "0")]
    [InlineData("--json goes with --list", "--undo", "--json")]
    [InlineData("--kind goes with --list", "--delete", "red/r1.png", "--kind", "loss")]
    public async Task Wrong_usage_is_an_error_and_changes_nothing_nor_serves(string message, params string[] options)
    {
        var before = _data.Snapshot();
        // Only a guard: a page served anyway is stopped, and the test fails on its exit code.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var (code, _, error) = await CliRunner.RunAsync(["clean", _data.Data, .. options], guard.Token);

        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
        Assert.Equal(before.Keys.Order(), _data.Snapshot().Keys.Order());
    }

    [Fact]
    public async Task Urls_with_list_is_an_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("clean", _data.Bundle, _data.Data, "--list", "--urls", "http://127.0.0.1:0");

        Assert.NotEqual(0, code);
        Assert.Contains("--urls goes with the cleaner page (kodiak clean MODEL.kodiak DATA), not with --list", error);
    }

    static string File(JsonElement suspect) => suspect.GetProperty("image").GetProperty("file").GetString()!;
}
