using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Testing.Training;
using static Kodiak.Cli.Tests.Listening;

namespace Kodiak.Cli.Tests.Commands;

[Collection(TrainedSampleFixture.Collection)]
public sealed class ExportCommandTests(TrainedSampleFixture fixture)
{
    string CopyOfBundle()
    {
        string path = Path.Combine(fixture.Temp, $"{Guid.NewGuid():N}.kodiak");
        File.Copy(fixture.Bundle, path);
        return path;
    }

    [Fact]
    public async Task Export_int8_adds_an_int8_model_to_a_bundle_trained_before_and_reports_its_agreement()
    {
        string path = CopyOfBundle();

        var (code, stdout, error) = await CliRunner.RunAsync("export", "--int8", path, "--data", fixture.Data);

        Assert.True(code == 0, stdout + error);
        var bundle = ModelBundle.Open(path);
        var report = bundle.Manifest.Quantization!;
        Assert.Contains(ModelBundle.Int8Variant, bundle.Manifest.Variants.Keys);
        string said = stdout.ReplaceLineEndings(" ").Replace("  ", " ");
        Assert.Contains($"on {fixture.Validation.Paths.Count} validation images its labels agree with fp32 on {report.LabelAgreement:P1}", said);
        Assert.Contains($"error rate {report.Fp32ErrorRate:0.0000} (fp32) → {report.Int8ErrorRate:0.0000} (int8)", said);
    }

    [Fact]
    public async Task Export_without_a_variant_says_which_to_give()
    {
        var (code, _, error) = await CliRunner.RunAsync("export", CopyOfBundle());

        Assert.NotEqual(0, code);
        Assert.Contains("--int8", error);
    }

    [Fact]
    public async Task Export_int8_with_a_missing_data_folder_names_it_and_leaves_the_bundle_alone()
    {
        string path = CopyOfBundle();
        byte[] before = File.ReadAllBytes(path);
        string missing = Path.Combine(fixture.Temp, "no-data-here");

        var (code, _, error) = await CliRunner.RunAsync("export", "--int8", path, "--data", missing);

        Assert.Equal(1, code);
        Assert.Contains(missing, error.ReplaceLineEndings(""));
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("serve")]
    public async Task Asking_for_int8_from_a_bundle_without_it_names_the_bundle_and_the_fix(string command)
    {
        string path = CopyOfBundle();
        string[] args = command == "predict"
            ? ["predict", path, fixture.Validation.Paths[0], "--precision", "int8"]
            : ["serve", path, "--precision", "int8", "--urls", "http://127.0.0.1:0"];

        var (code, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(1, code);
        string said = error.ReplaceLineEndings("");
        Assert.Contains(Path.GetFileName(path), said);
        Assert.Contains("kodiak export --int8", said);
    }

    [Fact]
    public async Task Serve_runs_int8_when_the_bundle_has_it_fp32_when_asked_and_says_which()
    {
        string path = CopyOfBundle();
        Assert.Equal(0, (await CliRunner.RunAsync("export", "--int8", path, "--data", fixture.Data)).ExitCode);

        Assert.Equal("int8", await ServedPrecision(path));
        Assert.Equal("fp32", await ServedPrecision(path, "--precision", "fp32"));
        Assert.Equal("fp32", await ServedPrecision(fixture.Bundle));
    }

    static async Task<string> ServedPrecision(string bundle, params string[] more)
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        var serving = CliRunner.RunAsync(["serve", bundle, "--urls", url, .. more], stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        await WaitUntilUp(client, serving);
        var model = JsonDocument.Parse(await client.GetStringAsync("/api/model")).RootElement;
        stop.Cancel();
        var (code, output, error) = await serving;
        Assert.True(code == 0, error);
        string precision = model.GetProperty("precision").GetString()!;
        Assert.Contains($"({precision})", output);
        return precision;
    }
}
