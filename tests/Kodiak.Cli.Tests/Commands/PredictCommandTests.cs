using System.Globalization;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Testing;
using Kodiak.Testing.Training;
using Xunit.Abstractions;

namespace Kodiak.Cli.Tests.Commands;

[Collection(TrainedSampleFixture.Collection)]
public sealed class PredictCommandTests(TrainedSampleFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Predicting_the_sample_gives_the_training_processs_own_validation_labels_and_probabilities()
    {
        var (code, stdout, error) = await CliRunner.RunAsync("predict", fixture.Bundle, fixture.Data, "--json");

        Assert.True(code == 0, error);
        var results = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToDictionary(r => Path.GetFullPath(r.GetProperty("file").GetString()!));
        Assert.Equal(150, results.Count);
        var valid = fixture.Validation;
        double worst = 0;
        for (int i = 0; i < valid.Paths.Count; i++)
        {
            var result = results[Path.GetFullPath(valid.Paths[i])];
            Assert.Equal(valid.Vocab[valid.Predictions[i]], result.GetProperty("label").GetString());
            Assert.Equal(valid.Predictions[i], result.GetProperty("index").GetInt32());
            var probabilities = result.GetProperty("probabilities");
            Assert.Equal(valid.Vocab, probabilities.EnumerateObject().Select(p => p.Name));
            for (int c = 0; c < valid.Vocab.Count; c++)
                worst = Math.Max(worst, Math.Abs(probabilities.GetProperty(valid.Vocab[c]).GetDouble() - valid.Probability(i, c)));
        }
        output.WriteLine($"max |p_predict − p_validation| over {valid.Paths.Count} validation images × {valid.Vocab.Count} classes: {worst:G3}");
        Assert.True(worst <= 1e-4, $"kodiak predict and the training's validation predictions differ by {worst}");
    }

    [Fact]
    public async Task Text_output_is_one_line_per_image_with_the_top_classes()
    {
        string[] files = [.. fixture.Validation.Paths.Take(3)];

        var (code, stdout, _) = await CliRunner.RunAsync(["predict", fixture.Bundle, .. files, "--top", "2"]);

        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(files.Length, lines.Length);
        for (int i = 0; i < files.Length; i++)
        {
            var fields = lines[i].Split("  ");
            Assert.Equal(files[i], fields[0]);
            Assert.Equal(fixture.Validation.Vocab[fixture.Validation.Predictions[i]], fields[1]);
            double first = double.Parse(fields[2], CultureInfo.InvariantCulture), second = double.Parse(fields[4], CultureInfo.InvariantCulture);
            // Printed to 4 decimals: within half a unit of the last digit, plus the 1e-5s between runtimes.
            Assert.InRange(first - fixture.Validation.Probability(i, fixture.Validation.Predictions[i]), -6e-5, 6e-5);
            Assert.True(first >= second);
            Assert.NotEqual(fields[1], fields[3]);
        }
    }

    [Fact]
    public async Task Unreadable_files_are_reported_and_the_others_still_predicted()
    {
        string broken = Path.Combine(fixture.Temp, "broken.jpg");
        File.WriteAllText(broken, "not an image");
        string good = fixture.Validation.Paths[0];
        string missing = Path.Combine(fixture.Temp, "missing.jpg");

        var (code, stdout, error) = await CliRunner.RunAsync("predict", fixture.Bundle, broken, good, missing);

        Assert.Equal(1, code);
        Assert.StartsWith(good + "  ", stdout);
        Assert.Contains("broken.jpg", error);
        Assert.Contains("not an image", error);
        Assert.Contains("missing.jpg: no such file or folder", error.Replace(Environment.NewLine, " "));
    }

    [Fact]
    public async Task A_truncated_bundle_is_a_clear_error()
    {
        string cut = BundleFiles.Truncated(fixture.Bundle, Path.Combine(fixture.Temp, "cut.kodiak"));

        var (code, _, error) = await CliRunner.RunAsync("predict", cut, fixture.Validation.Paths[0]);

        Assert.Equal(1, code);
        Assert.Contains("is not a readable Kodiak bundle (truncated, damaged or not a zip file)", Flat(error));
        output.WriteLine(error);
    }

    [Fact]
    public async Task A_tampered_bundle_is_a_clear_error()
    {
        string changed = BundleFiles.Tampered(fixture.Bundle, Path.Combine(fixture.Temp, "changed.kodiak"), ModelBundle.OnnxEntry);

        var (code, _, error) = await CliRunner.RunAsync("predict", changed, fixture.Validation.Paths[0]);

        Assert.Equal(1, code);
        Assert.Contains("model.onnx does not match the SHA-256 recorded in kodiak.json", Flat(error));
        output.WriteLine(error);
    }

    // Spectre wraps long error lines to the console width.
    static string Flat(string text) => text.ReplaceLineEndings(" ").Replace("  ", " ");
}
