using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Processing;
using SkiaSharp;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests.Codecs;

public sealed class ImageDecoderTests : IDisposable
{
    private static readonly (byte R, byte G, byte B)[] RedGreenWhiteBlack = [(255, 0, 0), (0, 255, 0), (255, 255, 255), (0, 0, 0)];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Formats => ["jpeg", "png", "webp", "gif", "bmp"];

    /// <summary>A 48×32 image, left half red and right half blue, in the given format.</summary>
    private static byte[] RedBlue(string format)
    {
        var image = Solid(48, 32, 255, 0, 0);
        var indices = new byte[48 * 32];
        for (int y = 0; y < 32; y++)
        {
            for (int x = 24; x < 48; x++)
            {
                image.Pixels[(y * 48 + x) * 3] = 0;
                image.Pixels[(y * 48 + x) * 3 + 2] = 255;
                indices[y * 48 + x] = 1;
            }
        }

        return format switch
        {
            "jpeg" => ImageEncoder.Encode(image, ImageFormat.Jpeg, 95),
            "png" => ImageEncoder.Encode(image, ImageFormat.Png),
            "webp" => ImageEncoder.Encode(image, ImageFormat.Webp, 95),
            "gif" => Gif(48, 32, indices, [(255, 0, 0), (0, 0, 255)]),
            "bmp" => Bmp(image),
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decode_EachFormat_KeepsSizeAndColours(string format)
    {
        string path = _temp.Write($"red-blue.{format}", RedBlue(format));

        RgbImage image = ImageDecoder.Decode(path);

        Assert.Equal((48, 32), (image.Width, image.Height));
        AssertColor(image, 8, 16, (255, 0, 0), tolerance: 12);
        AssertColor(image, 40, 16, (0, 0, 255), tolerance: 12);
    }

    [Theory]
    [InlineData("jpeg", ImageFormat.Jpeg)]
    [InlineData("png", ImageFormat.Png)]
    [InlineData("webp", ImageFormat.Webp)]
    [InlineData("gif", ImageFormat.Gif)]
    [InlineData("bmp", ImageFormat.Bmp)]
    public void Identify_ReadsSizeAndFormat(string format, ImageFormat expected)
    {
        Assert.Equal(new ImageInfo(48, 32, expected), ImageDecoder.Identify(_temp.Write($"a.{format}", RedBlue(format))));
    }

    [Fact]
    public void Decode_PathStreamAndBytes_GiveTheSameImage()
    {
        byte[] png = RedBlue("png");
        string path = _temp.Write("a.png", png);

        RgbImage fromPath = ImageDecoder.Decode(path);
        RgbImage fromBytes = ImageDecoder.Decode(png);
        using var stream = new MemoryStream(png);
        RgbImage fromStream = ImageDecoder.Decode(ImageSource.FromStream(stream));

        Assert.Equal(fromPath.Pixels, fromBytes.Pixels);
        Assert.Equal(fromPath.Pixels, fromStream.Pixels);
    }

    // A 64×32 JPEG, blue with a red 16×16 block in its stored top-left corner, and where that block's
    // centre (8,8) must appear once each EXIF orientation is applied.
    [Theory]
    [InlineData(1, 64, 32, 8, 8)]
    [InlineData(2, 64, 32, 55, 8)]
    [InlineData(3, 64, 32, 55, 23)]
    [InlineData(4, 64, 32, 8, 23)]
    [InlineData(5, 32, 64, 8, 8)]
    [InlineData(6, 32, 64, 23, 8)]
    [InlineData(7, 32, 64, 23, 55)]
    [InlineData(8, 32, 64, 8, 55)]
    public void Decode_AppliesExifOrientation(int orientation, int width, int height, int markerX, int markerY)
    {
        var stored = Solid(64, 32, 0, 0, 255);
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                stored.Pixels[(y * 64 + x) * 3] = 255;
                stored.Pixels[(y * 64 + x) * 3 + 2] = 0;
            }
        }

        string path = _temp.Write("exif.jpg", WithExifOrientation(ImageEncoder.Encode(stored, ImageFormat.Jpeg, 95), orientation));

        RgbImage image = ImageDecoder.Decode(path);

        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(new ImageInfo(width, height, ImageFormat.Jpeg), ImageDecoder.Identify(path));
        AssertColor(image, markerX, markerY, (255, 0, 0), tolerance: 16);
        // The opposite corner stays blue.
        AssertColor(image, width - 1 - markerX, height - 1 - markerY, (0, 0, 255), tolerance: 16);
    }

    [Fact]
    public void Decode_PngWithAlpha_FlattensOntoWhite()
    {
        // Three RGBA pixels: opaque red, transparent (black colour), half-transparent red.
        byte[] rgba = [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 128];

        RgbImage image = ImageDecoder.Decode(Png(3, 1, colorType: 6, bitDepth: 8, rgba));

        AssertColor(image, 0, 0, (255, 0, 0), tolerance: 0);
        AssertColor(image, 1, 0, (255, 255, 255), tolerance: 0);
        AssertColor(image, 2, 0, (255, 127, 127), tolerance: 1);
    }

    [Fact]
    public void Decode_GifTransparentIndex_FlattensOntoWhite()
    {
        RgbImage image = ImageDecoder.Decode(Gif(2, 1, [0, 3], RedGreenWhiteBlack, transparentIndex: 3));

        AssertColor(image, 0, 0, (255, 0, 0), tolerance: 0);
        AssertColor(image, 1, 0, (255, 255, 255), tolerance: 0);
    }

    [Fact]
    public void Decode_GrayscalePng_RepeatsTheGreyInEveryChannel()
    {
        RgbImage image = ImageDecoder.Decode(Png(2, 1, colorType: 0, bitDepth: 8, [100, 200]));

        AssertColor(image, 0, 0, (100, 100, 100), tolerance: 0);
        AssertColor(image, 1, 0, (200, 200, 200), tolerance: 0);
    }

    [Fact]
    public void Decode_GrayscaleJpeg_RepeatsTheGreyInEveryChannel()
    {
        using var gray = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Gray8, SKAlphaType.Opaque));
        gray.Erase(new SKColor(90, 90, 90));
        using SKData jpeg = gray.Encode(SKEncodedImageFormat.Jpeg, 95);

        RgbImage image = ImageDecoder.Decode(jpeg.ToArray());

        AssertColor(image, 8, 8, (90, 90, 90), tolerance: 2);
    }

    [Fact]
    public void Decode_SixteenBitPng_KeepsTheHighByte()
    {
        // One RGB pixel with 16-bit samples 0xFFFF, 0x8080, 0x0000.
        RgbImage image = ImageDecoder.Decode(Png(1, 1, colorType: 2, bitDepth: 16, [0xFF, 0xFF, 0x80, 0x80, 0, 0]));

        AssertColor(image, 0, 0, (255, 128, 0), tolerance: 1);
    }

    [Fact]
    public void Decode_PalettePng_LooksUpColours()
    {
        byte[] palette = [255, 0, 0, 0, 255, 0];

        RgbImage image = ImageDecoder.Decode(Png(2, 1, colorType: 3, bitDepth: 8, [1, 0], ("PLTE", palette)));

        AssertColor(image, 0, 0, (0, 255, 0), tolerance: 0);
        AssertColor(image, 1, 0, (255, 0, 0), tolerance: 0);
    }

    [Fact]
    public void Decode_PixelBomb_IsRefusedFromTheHeaderAlone()
    {
        // The file holds one row of pixel data: decoding it would fail as truncated, so the limit's reason shows
        // that the header alone decided.
        string path = _temp.Write("bomb.png", PngBomb(30000, 30000));

        var error = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));

        Assert.Equal(path, error.Path);
        Assert.Equal("30000×30000 pixels exceeds the limit of 100 megapixels", error.Reason);
        Assert.Contains(path, error.Message);
        // The header is still readable on its own.
        Assert.Equal(new ImageInfo(30000, 30000, ImageFormat.Png), ImageDecoder.Identify(path));
    }

    [Fact]
    public void Decode_RespectsAConfiguredPixelLimit()
    {
        byte[] png = ImageEncoder.Encode(Solid(100, 100, 1, 2, 3), ImageFormat.Png);

        var error = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(png, new DecodeOptions { MaxPixels = 5000 }));

        Assert.Null(error.Path);
        Assert.Equal("100×100 pixels exceeds the limit of 5000 pixels", error.Reason);
        Assert.Equal(100, ImageDecoder.Decode(png, new DecodeOptions { MaxPixels = 10_000 }).Width);
    }

    [Fact]
    public void DecodeOptions_RejectsANonPositiveLimit()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DecodeOptions { MaxPixels = 0 });
    }

    [Fact]
    public void Decode_BadFiles_FailWithDistinctPlainReasons()
    {
        byte[] jpeg = ImageEncoder.Encode(Photo(320, 240), ImageFormat.Jpeg);
        string truncated = _temp.Write("truncated.jpg", jpeg[..(jpeg.Length * 6 / 10)]);
        string text = _temp.Write("x.jpg", Text("this is not a picture\n"));
        string empty = _temp.Write("y.png", []);

        string[] reasons = [.. new[] { truncated, text, empty }.Select(path =>
        {
            var error = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));
            Assert.Equal(path, error.Path);
            Assert.Contains(path, error.Message);
            return error.Reason;
        })];

        Assert.Equal(["truncated or corrupt image data", "not an image (unrecognised format)", "empty file (0 bytes)"], reasons);
    }

    [Fact]
    public void Identify_TextFile_FailsNamingTheFile()
    {
        string path = _temp.Write("notes.png", Text("hello"));

        var error = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Identify(path));

        Assert.Equal(path, error.Path);
        Assert.Equal("not an image (unrecognised format)", error.Reason);
    }

    [Fact]
    public void DecodeAtLeast_LargeJpeg_DecodesAtAReducedScale()
    {
        byte[] jpeg = ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90);

        RgbImage image = ImageDecoder.DecodeAtLeast(jpeg, 224, 224);

        // 1/8 would give 250×188; 2/8 (500×375) is the smallest scale that still covers 224×224.
        Assert.Equal((500, 375), (image.Width, image.Height));
    }

    [Fact]
    public void DecodeAtLeast_TargetOverHalfTheSource_DecodesFullSize()
    {
        byte[] jpeg = ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90);

        RgbImage image = ImageDecoder.DecodeAtLeast(jpeg, 1200, 224);

        Assert.Equal((2000, 1500), (image.Width, image.Height));
    }

    [Fact]
    public void DecodeAtLeast_ChoosesTheScaleAfterOrientation()
    {
        // Stored 2000×1500, shown 1500×2000. Without turning first, 2/8 (500×375 stored) would look too short.
        byte[] jpeg = WithExifOrientation(ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90), 6);

        RgbImage image = ImageDecoder.DecodeAtLeast(jpeg, 300, 400);

        Assert.Equal((375, 500), (image.Width, image.Height));
    }

    [Fact]
    public void DecodeShortSide_ScaledDecodeMatchesFullDecodeThenResize()
    {
        string path = _temp.Write("big.jpg", ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90));

        RgbImage fast = ImageDecoder.DecodeShortSide(path, 224);
        RgbImage reference = ImageOps.ResizeShortSide(ImageDecoder.Decode(path), 224);

        Assert.Equal((299, 224), (fast.Width, fast.Height));
        double difference = MeanAbsoluteDifference(fast, reference);
        Assert.True(difference < 6, $"mean absolute difference {difference:F2}/255");
    }

    [Fact]
    public void DecodeResized_GivesExactlyTheRequestedSize()
    {
        byte[] jpeg = ImageEncoder.Encode(Photo(2000, 1500), ImageFormat.Jpeg, 90);

        RgbImage image = ImageDecoder.DecodeResized(jpeg, 224, 224);

        Assert.Equal((224, 224), (image.Width, image.Height));
    }
}
