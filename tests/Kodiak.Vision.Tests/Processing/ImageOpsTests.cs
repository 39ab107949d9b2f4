using Kodiak.Vision.Processing;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests.Processing;

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

    // Expected bytes from Pillow 9.4.0 (Debian 12's python3-pil): Image.resize((w, h), Image.BILINEAR) of the same pattern,
    // made by Golden/pillow_bilinear.py.
    [Theory]
    [InlineData(7, 5, 3, 4, "397486859686a58e4d987f5a9165746d889d79609b7aa6808e897e9bad51626c736282af")]
    [InlineData(7, 5, 16, 2, "595a955f608b6f706d7e80527490626ca173768d7f866f8a966886a67872ac8766909377729e877a8d8085797689727375765f7b7c638b8c6e99997a90858a87739b76778762826960906270a0727fa6828b8993966ba37b789b5d8892538e8f")]
    public void Resize_MatchesPillowsBilinearToTheByte(int width, int height, int toWidth, int toHeight, string pillowHex)
    {
        var pattern = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    pattern.Pixels[(y * width + x) * 3 + c] = (byte)((x * 37 + y * 101 + c * 59) % 256);

        RgbImage resized = ImageOps.Resize(pattern, toWidth, toHeight);

        Assert.Equal(Convert.FromHexString(pillowHex), resized.Pixels);
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
