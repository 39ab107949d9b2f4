using SkiaSharp;

namespace Kodiak.Vision;

/// <summary>Resampling and cropping of <see cref="RgbImage"/>; each returns a new image and leaves the input alone.</summary>
public static class ImageOps
{
    // Mitchell is the usual sharp-but-not-ringing choice for enlarging.
    private static readonly SKSamplingOptions Upscale = new(SKCubicResampler.Mitchell);

    // Trilinear over mipmaps averages every source pixel, so large reductions do not alias.
    private static readonly SKSamplingOptions Downscale = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>
    /// Resamples to exactly <paramref name="width"/> × <paramref name="height"/> (aspect ratio not kept):
    /// antialiased trilinear filtering when shrinking, Mitchell cubic when enlarging; never nearest-neighbour.
    /// </summary>
    /// <param name="image">The image to resample.</param>
    /// <param name="width">Output width, at least 1.</param>
    /// <param name="height">Output height, at least 1.</param>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width == image.Width && height == image.Height)
        {
            return new RgbImage(width, height, (byte[])image.Pixels.Clone());
        }

        bool enlarging = width >= image.Width && height >= image.Height;
        using RgbaBuffer source = RgbaBuffer.FromRgb(image);
        using var destination = new RgbaBuffer(source.Info.WithSize(width, height));
        using (SKPixmap from = source.ToPixmap())
        using (SKPixmap to = destination.ToPixmap())
        {
            if (!from.ScalePixels(to, enlarging ? Upscale : Downscale))
            {
                throw new InvalidOperationException($"Skia could not resize {image.Width}×{image.Height} to {width}×{height}.");
            }
        }

        return destination.ToRgb();
    }

    /// <summary>Resamples keeping the aspect ratio so that the shorter side becomes <paramref name="shortSide"/>.</summary>
    /// <param name="image">The image to resample.</param>
    /// <param name="shortSide">Length of the shorter output side, e.g. 224.</param>
    public static RgbImage ResizeShortSide(RgbImage image, int shortSide)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(shortSide, 1);
        (int width, int height) = ShortSideSize(image.Width, image.Height, shortSide);
        return Resize(image, width, height);
    }

    /// <summary>Copies the <paramref name="width"/> × <paramref name="height"/> rectangle whose top-left is (<paramref name="x"/>, <paramref name="y"/>).</summary>
    /// <param name="image">The image to crop.</param>
    /// <param name="x">Left edge, in pixels from the left.</param>
    /// <param name="y">Top edge, in pixels from the top.</param>
    /// <param name="width">Width of the rectangle, at least 1.</param>
    /// <param name="height">Height of the rectangle, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The rectangle is empty or not inside the image.</exception>
    public static RgbImage Crop(RgbImage image, int x, int y, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (x < 0 || y < 0 || width < 1 || height < 1 || x > image.Width - width || y > image.Height - height)
        {
            throw new ArgumentOutOfRangeException(
                nameof(x),
                $"Crop {width}×{height} at ({x},{y}) is not inside the {image.Width}×{image.Height} image.");
        }

        var cropped = new RgbImage(width, height);
        int rowBytes = width * 3;
        for (int row = 0; row < height; row++)
        {
            Array.Copy(image.Pixels, ((y + row) * image.Width + x) * 3, cropped.Pixels, row * rowBytes, rowBytes);
        }

        return cropped;
    }

    /// <summary>The size with the shorter side <paramref name="shortSide"/> and the aspect ratio of <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static (int Width, int Height) ShortSideSize(int width, int height, int shortSide)
    {
        int longSide = (int)Math.Max(1, Math.Round((double)Math.Max(width, height) * shortSide / Math.Min(width, height)));
        return width <= height ? (shortSide, longSide) : (longSide, shortSide);
    }
}
