namespace Kodiak.Cli.Tests;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_verifies_the_sample_and_confirms_the_pretrained_body()
    {
        var (code, output, error) = await CliRunner.RunAsync("demo");

        Assert.True(code == 0, output + error);
        Assert.Contains("150 images in 3 classes: all open.", output);
        Assert.Contains("The pretrained body matches.", output);
    }
}
