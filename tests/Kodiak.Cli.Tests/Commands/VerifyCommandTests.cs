using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;

namespace Kodiak.Cli.Tests.Commands;

public sealed class VerifyCommandTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string Data => Path.Combine(_temp.Path, "data");

    [Fact]
    public async Task Reports_exactly_the_four_bad_files_with_reasons_and_exits_1()
    {
        var bad = BadImages.WriteMixedFolder(_temp, "data");

        var (code, output, _) = await CliRunner.RunAsync("verify", Data);

        Assert.Equal(1, code);
        var reported = output.Split('\n').Where(line => line.Contains("  ")).Select(line => line.Trim()).ToList();
        Assert.Equal(bad.Select(p => $"{p.Path}  {p.Reason}"), reported);
        Assert.DoesNotContain("good", output);
        Assert.Contains("Checked 7 images", output);
        Assert.Equal(7, Directory.GetFiles(Data).Length);
    }

    [Fact]
    public async Task Json_is_an_array_of_path_and_reason()
    {
        var bad = BadImages.WriteMixedFolder(_temp, "data");

        var (code, output, error) = await CliRunner.RunAsync("verify", Data, "--json");

        Assert.Equal(1, code);
        var parsed = JsonSerializer.Deserialize<List<Dictionary<string, string>>>(output)!;
        Assert.Equal(bad, parsed.Select(p => new ImageProblem(p["path"], p["reason"])));
        Assert.Contains("4 cannot be opened", error);
    }

    [Fact]
    public async Task Move_to_moves_exactly_the_bad_files_keeping_relative_paths()
    {
        var bad = BadImages.WriteMixedFolder(_temp, Path.Combine("data", "bears"));
        string quarantine = Path.Combine(_temp.Path, "bad");

        var (code, _, _) = await CliRunner.RunAsync("verify", Data, "--move-to", quarantine);

        Assert.Equal(1, code);
        Assert.Equal(["good1.jpg", "good2.png", "good3.webp"], Names(Path.Combine(Data, "bears")));
        Assert.Equal(bad.Select(p => Path.GetFileName(p.Path)), Names(Path.Combine(quarantine, "bears")));
        Assert.Equal(0, (await CliRunner.RunAsync("verify", Data)).ExitCode);
    }

    [Fact]
    public async Task Move_to_never_overwrites_a_file_already_there()
    {
        BadImages.WriteMixedFolder(_temp, "data");
        string quarantine = Path.Combine(_temp.Path, "bad");
        _temp.Write(Path.Combine("bad", "x.jpg"), TestImages.Text("already here"));

        await CliRunner.RunAsync("verify", Data, "--move-to", quarantine);

        Assert.Equal("already here", File.ReadAllText(Path.Combine(quarantine, "x.jpg")));
        Assert.Equal("not a picture", File.ReadAllText(Path.Combine(quarantine, "x (2).jpg")));
    }

    [Fact]
    public async Task Delete_deletes_exactly_the_bad_files()
    {
        BadImages.WriteMixedFolder(_temp, "data");

        var (code, output, _) = await CliRunner.RunAsync("verify", Data, "--delete");

        Assert.Equal(1, code);
        Assert.Equal(["good1.jpg", "good2.png", "good3.webp"], Names(Data));
        Assert.Contains("Deleted 4 of 4 files", output);
    }

    [Fact]
    public async Task All_good_exits_0_and_changes_nothing()
    {
        _temp.Write(Path.Combine("data", "a.png"), ImageEncoder.Encode(TestImages.Photo(40, 30), ImageFormat.Png));

        var (code, output, _) = await CliRunner.RunAsync("verify", Data, "--delete");

        Assert.Equal(0, code);
        Assert.Contains("Checked 1 images", output);
        Assert.Equal(["a.png"], Names(Data));
    }

    [Fact]
    public async Task Missing_folder_is_a_clear_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("verify", Path.Combine(_temp.Path, "nowhere"));

        Assert.Equal(2, code);
        Assert.Contains("folder not found", error);
        Assert.Contains("nowhere", error);
    }

    [Fact]
    public async Task Move_to_and_delete_together_are_refused_before_anything_changes()
    {
        BadImages.WriteMixedFolder(_temp, "data");

        var (code, _, error) = await CliRunner.RunAsync("verify", Data, "--delete", "--move-to", Path.Combine(_temp.Path, "bad"));

        Assert.NotEqual(0, code);
        Assert.Contains("not both", error);
        Assert.Equal(7, Directory.GetFiles(Data).Length);
    }

    static string[] Names(string folder) =>
        [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];
}
