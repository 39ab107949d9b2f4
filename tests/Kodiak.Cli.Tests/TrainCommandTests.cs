using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision;

namespace Kodiak.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Trains_a_tiny_model_and_writes_the_model_and_report()
    {
        foreach (var (name, r, g, b) in new (string, byte, byte, byte)[] { ("black", 20, 20, 20), ("teddy", 220, 160, 60) })
            for (int i = 0; i < 8; i++)
                _temp.Write(Path.Combine("data", name, $"{i}.png"), ImageEncoder.Encode(TestImages.Solid(40, 36, r, g, b), ImageFormat.Png));
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await CliRunner.RunAsync("train", Path.Combine(_temp.Path, "data"), "--size", "32", "--epochs", "1",
            "--bs", "4", "--valid-pct", "0.25", "--out", output);

        Assert.True(code == 0, stdout + error);
        Assert.Matches(@"epoch\s+train_loss\s+valid_loss\s+error_rate\s+time", stdout);
        foreach (var file in new[] { "model.kodiak", "report/metrics.json", "report/loss.png", "report/confusion_matrix.png", "report/confusion_matrix.txt", "report/top_losses.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report", "metrics.json")));
        var epochs = metrics.RootElement.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(["frozen", "unfrozen"], epochs.Select(e => e.GetProperty("phase").GetString()));
        Assert.InRange(metrics.RootElement.GetProperty("error_rate").GetDouble(), 0, 1);
        Assert.True(metrics.RootElement.GetProperty("images_per_second").GetDouble() > 0);

        var (predictCode, predicted, predictError) = await CliRunner.RunAsync("predict", Path.Combine(output, "model.kodiak"), Path.Combine(_temp.Path, "data", "teddy", "0.png"));
        Assert.True(predictCode == 0, predictError);
        Assert.Matches(@"0\.png  (black|teddy)  [01]\.\d{4}", predicted);
    }

    [Fact]
    public async Task A_missing_data_folder_is_a_plain_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("train", Path.Combine(_temp.Path, "nothing"), "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(1, code);
        Assert.Contains("nothing", error);
    }
}
