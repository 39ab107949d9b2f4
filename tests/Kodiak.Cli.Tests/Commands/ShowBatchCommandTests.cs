using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.Cli.Tests.Commands;

public sealed class ShowBatchCommandTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    void WriteClasses(params string[] classes)
    {
        foreach (var name in classes)
            for (int i = 0; i < 5; i++)
                _temp.Write(Path.Combine("data", name, $"{i}.jpg"), ImageEncoder.Encode(TestImages.Photo(90 + 10 * i, 60), ImageFormat.Jpeg));
    }

    [Theory]
    [InlineData("crop", false, false)]
    [InlineData("pad", false, false)]
    [InlineData("squish", false, false)]
    [InlineData("random-crop", true, true)]
    public async Task Writes_a_png_grid_for_each_resize_method(string resize, bool aug, bool unique)
    {
        WriteClasses("black", "grizzly", "teddy");
        string png = Path.Combine(_temp.Path, "batch.png");
        string[] args = ["show-batch", Path.Combine(_temp.Path, "data"), "--size", "32", "--resize", resize, "--max-n", "4", "--rows", "2", "--out", png];
        if (aug) args = [.. args, "--aug"];
        if (unique) args = [.. args, "--unique"];

        var (code, output, error) = await CliRunner.RunAsync(args);

        Assert.True(code == 0, output + error);
        Assert.Contains("black, grizzly, teddy", output);
        var info = ImageDecoder.Identify(png);
        Assert.True(info.Width >= 2 * 32 && info.Height >= 2 * 32, $"{info.Width}×{info.Height}");
    }

    [Fact]
    public async Task A_corrupt_image_stops_with_a_hint_unless_skip_bad_lists_it()
    {
        WriteClasses("black", "grizzly");
        string bad = _temp.Write(Path.Combine("data", "black", "bad.jpg"), TestImages.Text("not an image"));
        string data = Path.Combine(_temp.Path, "data");
        string png = Path.Combine(_temp.Path, "b.png");

        var (code, _, error) = await CliRunner.RunAsync("show-batch", data, "--max-n", "12", "--out", png);
        Assert.Equal(1, code);
        Assert.Contains(bad, error);
        Assert.Contains("kodiak verify", error);

        (code, _, error) = await CliRunner.RunAsync("show-batch", data, "--max-n", "12", "--skip-bad", "--out", png);
        Assert.Equal(0, code);
        Assert.Contains($"skipped: {bad}", error);
        Assert.True(File.Exists(png));
    }

    [Fact]
    public async Task A_single_class_is_a_plain_error()
    {
        WriteClasses("grizzly");

        var (code, _, error) = await CliRunner.RunAsync("show-batch", Path.Combine(_temp.Path, "data"), "--out", Path.Combine(_temp.Path, "b.png"));

        Assert.Equal(1, code);
        Assert.Contains("Only one class ('grizzly')", error);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "b.png")));
    }
}
