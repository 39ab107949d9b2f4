using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests.Files;

public sealed class ImageVerifierTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Verify_FindsExactlyTheBadFilesInInputOrder()
    {
        var expected = BadImages.WriteMixedFolder(_temp);

        Assert.Equal(expected, ImageVerifier.Verify(ImageFiles.Get(_temp.Path)));
    }

    [Fact]
    public void Verify_MissingFile_IsAProblemNotACrash()
    {
        string missing = Path.Combine(_temp.Path, "gone.jpg");

        Assert.Equal([new ImageProblem(missing, "file not found")], ImageVerifier.Verify([missing]));
    }

    [Fact]
    public void Verify_AllGood_ReturnsNothing()
    {
        string[] files = [.. Enumerable.Range(0, 8).Select(i => _temp.Write($"{i}.png", ImageEncoder.Encode(Photo(20 + i, 20), ImageFormat.Png)))];

        Assert.Empty(ImageVerifier.Verify(files));
    }
}
