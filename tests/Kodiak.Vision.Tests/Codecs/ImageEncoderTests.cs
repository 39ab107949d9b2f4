using Kodiak.Vision.Codecs;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Vision.Tests.Codecs;

public sealed class ImageEncoderTests
{
    [Fact]
    public void Encode_Png_RoundTripsExactly()
    {
        RgbImage photo = Photo(50, 40);

        RgbImage decoded = ImageDecoder.Decode(ImageEncoder.Encode(photo, ImageFormat.Png));

        Assert.Equal(photo.Pixels, decoded.Pixels);
    }

    [Theory]
    [InlineData(ImageFormat.Jpeg)]
    [InlineData(ImageFormat.Webp)]
    public void Encode_Lossy_RoundTripsClosely(ImageFormat format)
    {
        RgbImage photo = Photo(64, 48);

        byte[] bytes = ImageEncoder.Encode(photo, format, quality: 95);

        Assert.Equal(format, ImageDecoder.Identify(bytes).Format);
        Assert.True(MeanAbsoluteDifference(photo, ImageDecoder.Decode(bytes)) < 3);
    }

    [Theory]
    [InlineData(ImageFormat.Gif)]
    [InlineData(ImageFormat.Bmp)]
    public void Encode_ReadOnlyFormat_IsNotSupported(ImageFormat format)
    {
        Assert.Throws<NotSupportedException>(() => ImageEncoder.Encode(Photo(4, 4), format));
    }
}
