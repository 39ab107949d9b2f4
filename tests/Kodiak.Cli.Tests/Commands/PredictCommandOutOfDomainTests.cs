using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.Cli.Tests.Commands;

public sealed class PredictCommandOutOfDomainTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string Red() => _temp.Write("red.png", ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png));

    string Photo() => _temp.Write("photo.png", ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png));

    [Fact]
    public async Task Json_gives_each_image_its_out_of_domain_score_and_flag()
    {
        string bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true);

        var (code, stdout, error) = await CliRunner.RunAsync("predict", bundle, Red(), Photo(), "--json");

        Assert.True(code == 0, error);
        var results = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(r => Path.GetFileName(r.GetProperty("file").GetString()!));
        Assert.False(results["red.png"].GetProperty("outOfDomain").GetBoolean());
        Assert.True(results["photo.png"].GetProperty("outOfDomain").GetBoolean());
        Assert.True(results["photo.png"].GetProperty("outOfDomainScore").GetDouble() > results["red.png"].GetProperty("outOfDomainScore").GetDouble());
        Assert.DoesNotContain("no out-of-domain calibration", error);
    }

    [Fact]
    public async Task Text_output_marks_the_flagged_image_only()
    {
        string bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true);
        string red = Red(), photo = Photo();

        var (code, stdout, _) = await CliRunner.RunAsync("predict", bundle, red, photo);

        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.DoesNotContain("OUT OF DOMAIN", lines.Single(l => l.StartsWith(red, StringComparison.Ordinal)));
        Assert.Contains("OUT OF DOMAIN: looks like none of the classes", lines.Single(l => l.StartsWith(photo, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_bundle_without_calibration_predicts_with_null_fields_and_says_so()
    {
        string bundle = ColourModel.Write(Path.Combine(_temp.Path, "old.kodiak"));

        var (code, stdout, error) = await CliRunner.RunAsync("predict", bundle, Photo(), "--json");

        Assert.True(code == 0, error);
        var result = JsonDocument.Parse(stdout).RootElement[0];
        Assert.Equal("red", result.GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("outOfDomainScore").ValueKind);
        Assert.Equal(JsonValueKind.Null, result.GetProperty("outOfDomain").ValueKind);
        Assert.Contains("has no out-of-domain calibration", error);
    }
}
