using Kodiak.Testing;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests;

public sealed class ImageOpsTests
{
    [Theory]
    [InlineData(10, 7)]
    [InlineData(300, 200)]
    [InlineData(40, 200)]
    public void Resize_SolidColour_StaysThatColourAtTheNewSize(int width, int height)
    {
        RgbImage resized = ImageOps.Resize(Solid(64, 48, 200, 100, 50), width, height);

        Assert.Equal((width, height), (resized.Width, resized.Height));
        AssertColor(resized, width / 2, height / 2, (200, 100, 50), tolerance: 1);
        AssertColor(resized, 0, 0, (200, 100, 50), tolerance: 1);
    }

    [Fact]
    public void Resize_LargeReduction_IsAntialiased()
    {
        // A one-pixel checkerboard must average to mid-grey; point sampling would give black or white.
        var checkerboard = new RgbImage(256, 256);
        for (int y = 0; y < 256; y++)
        {
            for (int x = 0; x < 256; x++)
            {
                byte value = (byte)((x + y) % 2 == 0 ? 255 : 0);
                checkerboard.Pixels.AsSpan((y * 256 + x) * 3, 3).Fill(value);
            }
        }

        RgbImage small = ImageOps.Resize(checkerboard, 20, 20);

        Assert.All(small.Pixels, value => Assert.InRange(value, 112, 143));
    }

    [Fact]
    public void Resize_SameSize_ReturnsAnEqualCopy()
    {
        RgbImage photo = Photo(30, 20);

        RgbImage copy = ImageOps.Resize(photo, 30, 20);

        Assert.NotSame(photo.Pixels, copy.Pixels);
        Assert.Equal(photo.Pixels, copy.Pixels);
    }

    [Fact]
    public void Resize_Enlarging_InterpolatesSmoothly()
    {
        // Black | white, doubled: the seam gets intermediate values instead of a hard copy of either side.
        var image = new RgbImage(2, 1, [0, 0, 0, 255, 255, 255]);

        RgbImage large = ImageOps.Resize(image, 8, 1);

        Assert.Contains(large.Pixels, value => value is > 20 and < 235);
        Assert.True(large.Pixels[0] < 20 && large.Pixels[^1] > 235);
    }

    [Theory]
    [InlineData(640, 480, 224, 299, 224)]
    [InlineData(480, 640, 224, 224, 299)]
    [InlineData(100, 100, 224, 224, 224)]
    public void ResizeShortSide_KeepsTheAspectRatio(int width, int height, int shortSide, int expectedWidth, int expectedHeight)
    {
        RgbImage resized = ImageOps.ResizeShortSide(Solid(width, height, 9, 9, 9), shortSide);

        Assert.Equal((expectedWidth, expectedHeight), (resized.Width, resized.Height));
    }

    [Fact]
    public void Crop_CopiesTheRectangle()
    {
        RgbImage photo = Photo(40, 30);

        RgbImage crop = ImageOps.Crop(photo, 5, 7, 10, 4);

        Assert.Equal((10, 4), (crop.Width, crop.Height));
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 10; x++)
            {
                Assert.Equal(Pixel(photo, x + 5, y + 7), Pixel(crop, x, y));
            }
        }
    }

    [Theory]
    [InlineData(-1, 0, 5, 5)]
    [InlineData(0, 0, 41, 5)]
    [InlineData(36, 0, 5, 5)]
    [InlineData(0, 26, 5, 5)]
    [InlineData(0, 0, 0, 5)]
    public void Crop_OutsideTheImage_Throws(int x, int y, int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.Crop(Photo(40, 30), x, y, width, height));
    }
}
