using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.Cli.Tests.Commands;

public sealed class TrainCommandTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string WriteTinyData()
    {
        foreach (var (name, r, g, b) in new (string, byte, byte, byte)[] { ("black", 20, 20, 20), ("teddy", 220, 160, 60) })
            for (int i = 0; i < 8; i++)
                _temp.Write(Path.Combine("data", name, $"{i}.png"), ImageEncoder.Encode(TestImages.Solid(40, 36, r, g, b), ImageFormat.Png));
        return Path.Combine(_temp.Path, "data");
    }

    static Task<(int ExitCode, string Out, string Error)> TrainTiny(string data, string output, params string[] more) =>
        CliRunner.RunAsync(["train", data, "--size", "32", "--epochs", "1", "--bs", "4", "--valid-pct", "0.25", "--out", output, .. more]);

    [Fact]
    public async Task Train_int8_exports_an_int8_model_beside_fp32()
    {
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await TrainTiny(WriteTinyData(), output, "--int8");

        Assert.True(code == 0, stdout + error);
        var bundle = Kodiak.Bundle.ModelBundle.Open(Path.Combine(output, "model.kodiak"));
        Assert.Equal(["fp32", "int8"], bundle.Manifest.Variants.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4, bundle.Manifest.Quantization!.ValidationImages);
        Assert.Contains("int8 model added to", stdout);
    }

    [Fact]
    public async Task Trains_a_tiny_model_and_writes_the_model_and_report()
    {
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await TrainTiny(WriteTinyData(), output);

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
    public async Task A_checkpointed_run_resumes_only_with_the_same_options()
    {
        string data = WriteTinyData(), output = Path.Combine(_temp.Path, "out");

        var nothing = await TrainTiny(data, output, "--resume");
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("Nothing to resume", nothing.Error);

        var first = await TrainTiny(data, output, "--checkpoint");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "learner.bin")));

        var changed = await TrainTiny(data, output, "--resume", "--lr", "0.01");
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("--resume needs the same data and options", changed.Error);

        var resumed = await TrainTiny(data, output, "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("after 2 finished epochs", resumed.Out);
    }

    [Fact]
    public async Task Lr_find_prints_a_suggestion_and_writes_the_plot()
    {
        string plot = Path.Combine(_temp.Path, "lr.png");

        var (code, stdout, error) = await CliRunner.RunAsync("lr-find", WriteTinyData(), "--size", "32", "--bs", "4", "--valid-pct", "0.25",
            "--iterations", "20", "--out", plot);

        Assert.True(code == 0, stdout + error);
        Assert.Matches(@"Suggested learning rate: \d(\.\d+)?e-?\d+ \(valley\)", stdout);
        Assert.True(new FileInfo(plot).Length > 0);
    }

    [Theory]
    [InlineData("--threads", "0", "--threads must be at least 1")]
    [InlineData("--epochs", "-1", "--epochs must be 0 or more")]
    [InlineData("--lr", "-0.1", "--lr must be above 0")]
    [InlineData("--valid-pct", "1", "--valid-pct must be at least 0 and below 1")]
    [InlineData("--size", "8", "--size must be at least 16")]
    [InlineData("--label-smoothing", "1", "--label-smoothing must be at least 0 and below 1")]
    public async Task Impossible_numbers_are_refused_before_any_work_naming_the_option(string option, string value, string message)
    {
        var (code, _, error) = await CliRunner.RunAsync("train", Path.Combine(_temp.Path, "nothing"), option, value, "--out", Path.Combine(_temp.Path, "out"));

        Assert.NotEqual(0, code);
        Assert.Contains(message, error);
    }

    [Fact]
    public async Task Without_a_validation_set_training_still_checkpoints_and_reports()
    {
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await CliRunner.RunAsync("train", WriteTinyData(), "--size", "32", "--epochs", "1", "--bs", "4", "--valid-pct", "0",
            "--checkpoint", "--out", output);

        Assert.True(code == 0, stdout + error);
        Assert.True(File.Exists(Path.Combine(output, "checkpoint", "learner.bin")));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report", "metrics.json")));
        Assert.Equal("NaN", metrics.RootElement.GetProperty("epochs")[0].GetProperty("valid_loss").GetString());
        Assert.Equal("NaN", metrics.RootElement.GetProperty("error_rate").GetString());
        Assert.True(File.Exists(Path.Combine(output, "model.kodiak")));
    }

    [Fact]
    public async Task Tta_keep_best_balance_and_label_smoothing_are_reported()
    {
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await TrainTiny(WriteTinyData(), output, "--tta", "--keep-best", "--balance", "--label-smoothing", "0.1");

        Assert.True(code == 0, stdout + error);
        Assert.Matches(@"Kept unfrozen epoch 0, the one with the lowest validation loss", stdout);
        Assert.Matches(@"error rate [01]\.\d{4} \([01]\.\d{4} with test-time augmentation, \d+ ms an image\)", stdout);
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report", "metrics.json")));
        Assert.InRange(metrics.RootElement.GetProperty("tta_error_rate").GetDouble(), 0, 1);
        Assert.True(metrics.RootElement.GetProperty("tta_ms_per_image").GetDouble() > 0);
        Assert.Equal("unfrozen", metrics.RootElement.GetProperty("kept_epoch").GetProperty("phase").GetString());
    }

    [Theory]
    [InlineData(745, 64)]
    [InlineData(144, 18)]
    [InlineData(236, 29)]
    [InlineData(40, 8)]
    public void Without_bs_small_training_sets_get_a_batch_size_that_gives_eight_steps_an_epoch(int trainImages, int batchSize) =>
        Assert.Equal(batchSize, DataSettings.AutoBatchSize(trainImages));

    [Fact]
    public async Task Without_bs_a_small_training_set_trains_in_smaller_batches_and_says_so()
    {
        string output = Path.Combine(_temp.Path, "out");

        var (code, stdout, error) = await CliRunner.RunAsync("train", WriteTinyData(), "--size", "32", "--epochs", "1", "--valid-pct", "0.25", "--out", output);

        Assert.True(code == 0, stdout + error);
        Assert.Contains("Batch size 8, so that an epoch has 1 step (--bs to choose).", stdout.ReplaceLineEndings(" ").Replace("  ", " "));
    }

    [Theory]
    [InlineData("--checkpoint")]
    [InlineData("--resume")]
    public async Task Keep_best_is_refused_with_checkpoints_whose_resumed_run_could_not_know_the_best(string option)
    {
        var (code, _, error) = await CliRunner.RunAsync("train", WriteTinyData(), "--keep-best", option, "--out", Path.Combine(_temp.Path, "out"));

        Assert.NotEqual(0, code);
        Assert.Contains("--keep-best cannot be combined with --checkpoint or --resume", error);
    }

    [Fact]
    public async Task A_missing_data_folder_is_a_plain_error()
    {
        var (code, _, error) = await CliRunner.RunAsync("train", Path.Combine(_temp.Path, "nothing"), "--out", Path.Combine(_temp.Path, "out"));

        Assert.Equal(1, code);
        Assert.Contains("nothing", error);
    }
}
