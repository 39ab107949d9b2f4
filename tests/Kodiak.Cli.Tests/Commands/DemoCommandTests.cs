using Kodiak.Bundle;
using Kodiak.Testing;

namespace Kodiak.Cli.Tests.Commands;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_verifies_the_sample_checks_the_pretrained_body_trains_and_writes_the_model_and_report()
    {
        using var temp = new TempFolder();
        string output = Path.Combine(temp.Path, "demo");

        // Smaller and shorter than the real demo, so the test stays fast; the steps are the same.
        var (code, stdout, error) = await CliRunner.RunAsync("demo", "--no-serve", "--out", output, "--size", "32", "--epochs", "1");

        Assert.True(code == 0, stdout + error);
        Assert.Contains("931 images in 3 classes: all open.", stdout);
        Assert.Contains("The pretrained body matches.", stdout);
        Assert.Contains("931 clip-art images of animals, food, vehicles at 32×32 px", stdout);
        Assert.Matches(@"Validation: wrong on \d+ of 186 validation images \(\d+%\)\.", stdout);
        Assert.Contains($"kodiak predict {Path.Combine(output, "model.kodiak")} IMAGE", stdout);
        var bundle = ModelBundle.Open(Path.Combine(output, "model.kodiak"));
        Assert.Equal(["animals", "food", "vehicles"], bundle.Manifest.Classes);
        Assert.Equal(32, bundle.Manifest.Input.Width);
        Assert.True(File.Exists(Path.Combine(output, "report", "metrics.json")));
        Assert.True(File.Exists(Path.Combine(output, "report", "confusion_matrix.png")));
        Assert.DoesNotContain("Serving", stdout);
    }

    [Fact]
    public async Task Demo_rejects_a_size_too_small_to_train()
    {
        var (code, _, error) = await CliRunner.RunAsync("demo", "--no-serve", "--size", "8");

        Assert.NotEqual(0, code);
        Assert.Contains("--size must be at least 32.", error);
    }
}
