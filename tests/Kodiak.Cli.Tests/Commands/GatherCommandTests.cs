using System.Text.Json;
using Kodiak.Gathering;
using Kodiak.Testing;
using Kodiak.Vision.Files;

namespace Kodiak.Cli.Tests.Commands;

/// <summary><c>kodiak search</c>, <c>gather</c> and <c>download</c> against the fake web on 127.0.0.1.</summary>
public sealed class GatherCommandTests : IAsyncLifetime
{
    readonly TempFolder _temp = new();
    FakeWeb _web = null!;

    public async Task InitializeAsync()
    {
        _web = await FakeWeb.StartAsync();
        // Every 40th name: neighbours in the sample can be variants of one drawing, which the downloader keeps only once.
        var names = _web.Images.Keys.Order(StringComparer.Ordinal).Where((_, i) => i % 40 == 0).ToList();
        _web.Results["grizzly bear"] = [.. names.Take(4).Select(_web.Image), _web.Hostile("missing.jpg")];
        _web.Results["black bear"] = [.. names.Skip(4).Take(3).Select(_web.Image), _web.Hostile("copy/" + names[0])];
    }

    public async Task DisposeAsync()
    {
        await _web.DisposeAsync();
        _temp.Dispose();
    }

    string Out => Path.Combine(_temp.Path, "bears");

    string Endpoint => _web.Url.AbsoluteUri;

    [Fact]
    public async Task Search_prints_one_url_per_line()
    {
        var (code, output, _) = await CliRunner.RunAsync("search", "grizzly bear", "--provider", "openverse", "--max", "3", "--endpoint", Endpoint);

        Assert.Equal(0, code);
        Assert.Equal(_web.Results["grizzly bear"].Take(3), output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Search_json_has_url_thumbnail_size_licence_and_source_page()
    {
        var (code, output, _) = await CliRunner.RunAsync("search", "grizzly bear", "--provider", "openverse", "--max", "1", "--json", "--endpoint", Endpoint);

        Assert.Equal(0, code);
        var result = JsonSerializer.Deserialize<List<JsonElement>>(output)!.Single();
        Assert.Equal(_web.Results["grizzly bear"][0], result.GetProperty("url").GetString());
        Assert.Equal((640, 480), (result.GetProperty("width").GetInt32(), result.GetProperty("height").GetInt32()));
        Assert.Equal("by 2.0", result.GetProperty("licence").GetString());
        Assert.Equal("https://example.org/work0", result.GetProperty("source_page").GetString());
        Assert.EndsWith("?thumb", result.GetProperty("thumbnail").GetString());
    }

    [Fact]
    public async Task Gather_fills_class_folders_reports_a_summary_with_the_review_reminder_and_a_rerun_downloads_nothing()
    {
        string[] args = ["gather", Out, "--classes", "grizzly,black", "--suffix", " bear", "--provider", "wikimedia", "--endpoint", Endpoint, "--retries", "0", "--contact", "tests@example.org"];

        var (code, output, _) = await CliRunner.RunAsync(args);
        int downloads = _web.Downloads;
        var (againCode, again, _) = await CliRunner.RunAsync(args);

        Assert.Equal((0, 0), (code, againCode));
        Assert.True(ImageFiles.Get(Path.Combine(Out, "grizzly")).Count == 4, output);
        Assert.Equal(3, ImageFiles.Get(Path.Combine(Out, "black")).Count);
        var black = ImageDownloader.ReadManifest(Path.Combine(Out, "black"));
        Assert.Equal("same image as grizzly/00000001.jpg", black.Single(e => e.Status == DownloadStatus.Duplicate).Reason);
        Assert.Contains("Review the images", output);
        Assert.Contains("manifest.jsonl records where every image came from", output);
        Assert.Contains("1 failed in grizzly: HTTP 404 Not Found", output);
        Assert.Matches(@"grizzly\s+│\s+5\s+│\s+0\s+│\s+4\s+│\s+0\s+│\s+1\s+│\s+4", output);
        Assert.Equal(downloads, _web.Downloads);
        Assert.Matches(@"grizzly\s+│\s+5\s+│\s+5\s+│\s+0\s+│\s+0\s+│\s+0\s+│\s+4", again);
    }

    [Fact]
    public async Task Gather_auto_fills_every_class_from_the_remaining_providers_when_ddg_blocks_and_openverse_rate_limits()
    {
        _web.DuckDuckGoBlock = 403;
        _web.Refuse("v1/images/", 429, times: 10, retryAfterSeconds: 3600);

        // --provider auto is the default.
        var (code, output, error) = await CliRunner.RunAsync("gather", Out, "--classes", "grizzly,black", "--suffix", " bear", "--endpoint", Endpoint, "--retries", "0", "--contact", "tests@example.org");

        Assert.Equal(0, code);
        Assert.Equal(4, ImageFiles.Get(Path.Combine(Out, "grizzly")).Count);
        Assert.Equal(3, ImageFiles.Get(Path.Combine(Out, "black")).Count);
        Assert.All(ImageDownloader.ReadManifest(Path.Combine(Out, "grizzly")), e => Assert.Equal("wikimedia", e.Provider));
        Assert.Contains("auto: ddg refused after 0 results", error);
        Assert.Contains("auto: openverse refused after 0 results", error);
        Assert.Matches(@"grizzly\s+│\s+5\s+│\s+0\s+│\s+4\s+│\s+0\s+│\s+1\s+│\s+4", output);
        Assert.Contains("grizzly: 5 found (wikimedia 5); search stopped: auto: 5 of 150 results; ddg, openverse refused", output.ReplaceLineEndings(" "));
        Assert.Contains("Review the images", output);
    }

    [Fact]
    public async Task Search_json_names_the_provider_of_each_result()
    {
        _web.DuckDuckGoBlock = 418;

        var (code, output, _) = await CliRunner.RunAsync("search", "grizzly bear", "--max", "2", "--json", "--endpoint", Endpoint);

        Assert.Equal(0, code);
        Assert.All(JsonSerializer.Deserialize<List<JsonElement>>(output)!, r => Assert.Equal("openverse", r.GetProperty("provider").GetString()));
    }

    [Fact]
    public async Task Gather_refuses_a_class_name_that_would_leave_OUT()
    {
        var (code, _, error) = await CliRunner.RunAsync("gather", Out, "--classes", "grizzly,../outside", "--endpoint", Endpoint);

        Assert.NotEqual(0, code);
        Assert.Contains("class name '../outside' cannot be a folder name", error);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Download_reads_a_url_list_skipping_comments_and_records_failures()
    {
        string list = _temp.Write("urls.txt", TestImages.Text(string.Join('\n',
            "# bears", _web.Results["grizzly bear"][0], "", _web.Hostile("page.jpg"), _web.Hostile("to-file.jpg"))));

        var (code, output, _) = await CliRunner.RunAsync("download", list, Out, "--retries", "0");

        Assert.Equal(0, code);
        var manifest = ImageDownloader.ReadManifest(Out);
        Assert.Equal([DownloadStatus.Kept, DownloadStatus.Failed, DownloadStatus.Failed], manifest.OrderBy(e => e.Status).Select(e => e.Status));
        Assert.Equal(["00000001.jpg"], ImageFiles.Get(Out).Select(Path.GetFileName));
        Assert.Contains("only http and https are fetched", output);
        Assert.Contains("Review the images", output);
    }

    [Fact]
    public async Task Download_of_a_missing_list_is_a_clear_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("download", Path.Combine(_temp.Path, "nowhere.txt"), Out);

        Assert.Equal(2, code);
        Assert.Contains("URL list not found", error);
        Assert.False(Directory.Exists(Out));
    }
}
