using Kodiak.Vision.Transforms;

namespace Kodiak.Vision.Processing;

/// <summary>Resampling and cropping of <see cref="RgbImage"/>; each returns a new image and leaves the input alone.</summary>
public static class ImageOps
{
    /// <summary>
    /// Resamples to exactly <paramref name="width"/> × <paramref name="height"/> (aspect ratio not kept) with
    /// Pillow's bilinear filter, as fastai does: antialiased when shrinking, smooth when enlarging.
    /// </summary>
    /// <param name="image">The image to resample.</param>
    /// <param name="width">Output width, at least 1.</param>
    /// <param name="height">Output height, at least 1.</param>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return BilinearResampler.Resize(image, width, height);
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

    /// <summary>
    /// Places <paramref name="image"/> with its top-left at (<paramref name="left"/>, <paramref name="top"/>) on a
    /// <paramref name="width"/> × <paramref name="height"/> canvas and fills the rest according to <paramref name="mode"/>.
    /// </summary>
    /// <param name="image">The image to pad.</param>
    /// <param name="width">Canvas width, at least the image width.</param>
    /// <param name="height">Canvas height, at least the image height.</param>
    /// <param name="left">Columns of padding on the left.</param>
    /// <param name="top">Rows of padding on top.</param>
    /// <param name="mode">What fills the padding.</param>
    /// <exception cref="ArgumentOutOfRangeException">The image does not lie inside the canvas.</exception>
    public static RgbImage Pad(RgbImage image, int width, int height, int left, int top, PadMode mode)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (left < 0 || top < 0 || left > width - image.Width || top > height - image.Height)
        {
            throw new ArgumentOutOfRangeException(
                nameof(left),
                $"A {image.Width}×{image.Height} image at ({left},{top}) does not fit a {width}×{height} canvas.");
        }

        // Source column/row for each canvas column/row (-1: black), so the fill is one copy per pixel.
        int[] columns = PadIndices(width, left, image.Width, mode);
        int[] rows = PadIndices(height, top, image.Height, mode);
        var padded = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            if (rows[y] < 0)
            {
                continue;
            }

            int sourceRow = rows[y] * image.Width;
            int target = y * width * 3;
            for (int x = 0; x < width; x++, target += 3)
            {
                if (columns[x] >= 0)
                {
                    Array.Copy(image.Pixels, (sourceRow + columns[x]) * 3, padded.Pixels, target, 3);
                }
            }
        }

        return padded;
    }

    /// <summary>
    /// The size with the aspect ratio of <paramref name="width"/> × <paramref name="height"/> that fits inside
    /// (<paramref name="cover"/> false) or just covers (true) <paramref name="boxWidth"/> × <paramref name="boxHeight"/>:
    /// one side equals the box's, the other is rounded up.
    /// </summary>
    internal static (int Width, int Height) AspectSize(int width, int height, int boxWidth, int boxHeight, bool cover)
    {
        // Integer arithmetic: no side falls a pixel short through float error, and results match on every platform.
        bool widthBound = ((long)boxWidth * height >= (long)boxHeight * width) == cover;
        return widthBound
            ? (boxWidth, CeilingDivide((long)height * boxWidth, width))
            : (CeilingDivide((long)width * boxHeight, height), boxHeight);
    }

    /// <summary>The size with the shorter side <paramref name="shortSide"/> and the aspect ratio of <paramref name="width"/> × <paramref name="height"/>.</summary>
    internal static (int Width, int Height) ShortSideSize(int width, int height, int shortSide)
    {
        int longSide = (int)Math.Max(1, Math.Round((double)Math.Max(width, height) * shortSide / Math.Min(width, height)));
        return width <= height ? (shortSide, longSide) : (longSide, shortSide);
    }

    private static int CeilingDivide(long numerator, long denominator) => (int)((numerator + denominator - 1) / denominator);

    private static int[] PadIndices(int length, int offset, int size, PadMode mode)
    {
        var indices = new int[length];
        for (int i = 0; i < length; i++)
        {
            int source = i - offset;
            indices[i] = source >= 0 && source < size ? source : mode switch
            {
                PadMode.Zeros => -1,
                PadMode.Border => Math.Clamp(source, 0, size - 1),
                PadMode.Reflection => Reflect(source, size),
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
            };
        }

        return indices;
    }

    // Mirror about the edge pixels, folding again when the padding is wider than the image.
    private static int Reflect(int index, int size)
    {
        if (size == 1)
        {
            return 0;
        }

        int period = 2 * (size - 1);
        int folded = ((index % period) + period) % period;
        return folded < size ? folded : period - folded;
    }
}
