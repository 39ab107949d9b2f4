namespace Kodiak.Vision.Tests;

public sealed class RgbImageTests
{
    [Fact]
    public void ToChwFloats_WritesPlanarChannelsOverTwoFiftyFive()
    {
        // 2×1: pixel 0 = (0, 51, 255), pixel 1 = (255, 102, 0).
        var image = new RgbImage(2, 1, [0, 51, 255, 255, 102, 0]);
        var chw = new float[image.ChwLength];

        image.ToChwFloats(chw);

        Assert.Equal([0f, 1f, 0.2f, 0.4f, 1f, 0f], chw);
    }

    [Fact]
    public void ToChwFloats_TooSmallDestination_Throws()
    {
        var image = new RgbImage(2, 2);

        Assert.Throws<ArgumentException>(() => image.ToChwFloats(new float[11]));
    }

    [Fact]
    public void Constructor_WrongPixelCount_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));

        Assert.Contains("needs 12 bytes", error.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    public void Constructor_EmptySize_Throws(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(width, height));
    }
}
