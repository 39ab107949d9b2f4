using Kodiak.Vision.Processing;
using SkiaSharp;

namespace Kodiak.Vision.Codecs;

/// <summary>Encodes <see cref="RgbImage"/> to JPEG, PNG or WebP bytes.</summary>
public static class ImageEncoder
{
    /// <summary>Encodes the image.</summary>
    /// <param name="image">The image to encode.</param>
    /// <param name="format"><see cref="ImageFormat.Jpeg"/>, <see cref="ImageFormat.Png"/> or <see cref="ImageFormat.Webp"/>.</param>
    /// <param name="quality">0–100 for the lossy formats; ignored by PNG.</param>
    /// <exception cref="NotSupportedException">GIF and BMP, which Kodiak only reads.</exception>
    public static byte[] Encode(RgbImage image, ImageFormat format, int quality = 90)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegative(quality);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        SKEncodedImageFormat skiaFormat = format switch
        {
            ImageFormat.Jpeg => SKEncodedImageFormat.Jpeg,
            ImageFormat.Png => SKEncodedImageFormat.Png,
            ImageFormat.Webp => SKEncodedImageFormat.Webp,
            _ => throw new NotSupportedException($"Kodiak cannot encode {format}; use JPEG, PNG or WebP."),
        };

        using RgbaBuffer buffer = RgbaBuffer.FromRgb(image);
        using SKPixmap pixmap = buffer.ToPixmap();
        using SKData? data = pixmap.Encode(skiaFormat, quality);
        return data?.ToArray() ?? throw new InvalidOperationException($"Skia could not encode a {image.Width}×{image.Height} image as {format}.");
    }
}
