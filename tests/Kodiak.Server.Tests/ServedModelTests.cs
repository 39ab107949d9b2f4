using Kodiak.Inference;
using Kodiak.Testing;

namespace Kodiak.Server.Tests;

public sealed class ServedModelTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("/data/bears", "bears")]
    [InlineData("/data/bears/", "bears")]
    [InlineData("bears", "bears")]
    [InlineData(".", "grizzly-v2")]
    [InlineData("..", "grizzly-v2")]
    [InlineData("/", "grizzly-v2")]
    public void The_model_is_named_after_its_data_folder_else_its_file(string dataFolder, string name)
    {
        string bundle = ColourModel.Write(Path.Combine(_temp.Path, "grizzly-v2.kodiak"), dataFolder: dataFolder);

        using var model = new ServedModel(Predictor.Load(bundle), new ServeOptions { Model = bundle });

        Assert.Equal(name, model.Name);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(2L * 1024 * 1024 * 1024)]
    public void An_upload_limit_outside_1_byte_to_2_GB_is_refused_naming_the_option(long bytes)
    {
        var options = new ServeOptions { Model = "model.kodiak", MaxUploadBytes = bytes };

        var e = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(ServeOptions.MaxUploadBytes), e.ParamName);
        Assert.Contains("--max-upload-mb", e.Message);
    }
}
