using System.Runtime.InteropServices;
using SkiaSharp;

namespace Kodiak.Vision.Processing;

/// <summary>
/// Unmanaged 8-bit RGBA pixels Skia reads and writes. Unmanaged so a 64 MB decode buffer
/// costs no GC work and no zeroing; every exchange with Skia goes through here.
/// </summary>
internal sealed unsafe class RgbaBuffer : IDisposable
{
    private byte* _pixels;

    /// <param name="info">Size, alpha type and colour space; the colour type must be <see cref="SKColorType.Rgba8888"/>.</param>
    /// <param name="zeroed">Whether to start fully transparent (for decoders that may leave pixels untouched).</param>
    public RgbaBuffer(SKImageInfo info, bool zeroed = false)
    {
        if (info.ColorType != SKColorType.Rgba8888)
        {
            throw new ArgumentException($"Expected RGBA 8888, got {info.ColorType}.", nameof(info));
        }

        Info = info;
        nuint size = (nuint)info.BytesSize64;
        _pixels = (byte*)(zeroed ? NativeMemory.AllocZeroed(size) : NativeMemory.Alloc(size));
    }

    public SKImageInfo Info { get; }

    public IntPtr Address => (IntPtr)_pixels;

    /// <summary>A pixmap over these pixels; dispose it before this buffer.</summary>
    public SKPixmap ToPixmap() => new(Info, Address, Info.RowBytes);

    /// <summary>Copies an RGB image into a new opaque RGBA buffer.</summary>
    public static RgbaBuffer FromRgb(RgbImage image)
    {
        var buffer = new RgbaBuffer(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        byte* destination = buffer._pixels;
        int pixelCount = image.Width * image.Height;
        fixed (byte* source = image.Pixels)
        {
            for (int i = 0; i < pixelCount; i++)
            {
                destination[4 * i] = source[3 * i];
                destination[4 * i + 1] = source[3 * i + 1];
                destination[4 * i + 2] = source[3 * i + 2];
                destination[4 * i + 3] = 255;
            }
        }

        return buffer;
    }

    /// <summary>
    /// Converts to RGB, flattening transparency onto white and turning the pixels so that
    /// <paramref name="origin"/> (where the stored first pixel belongs) becomes top-left.
    /// </summary>
    public RgbImage ToRgb(SKEncodedOrigin origin = SKEncodedOrigin.TopLeft)
    {
        // Flattening "c + (255 - a)" is exact only for premultiplied colour (c ≤ a).
        if (Info.AlphaType == SKAlphaType.Unpremul)
        {
            throw new InvalidOperationException("RGB conversion needs premultiplied or opaque pixels.");
        }

        int width = Info.Width;
        int height = Info.Height;
        bool transposed = SwapsAxes(origin);
        int outWidth = transposed ? height : width;
        var image = new RgbImage(outWidth, transposed ? width : height, GC.AllocateUninitializedArray<byte>(width * height * 3));

        // Where stored pixel (0,0) lands, and how far (in output pixels) one step along a stored row
        // or down a stored column moves; each EXIF origin is one such affine walk.
        long last = (long)width * height - 1;
        (long start, long columnStep, long rowStep) = origin switch
        {
            SKEncodedOrigin.TopRight => (width - 1, -1, outWidth),
            SKEncodedOrigin.BottomRight => (last, -1, -outWidth),
            SKEncodedOrigin.BottomLeft => ((long)(height - 1) * outWidth, 1, -outWidth),
            SKEncodedOrigin.LeftTop => (0, outWidth, 1),
            SKEncodedOrigin.RightTop => (height - 1, outWidth, -1),
            SKEncodedOrigin.RightBottom => (last, -outWidth, -1),
            SKEncodedOrigin.LeftBottom => ((long)(width - 1) * outWidth, -outWidth, 1),
            _ => (0, 1, outWidth),
        };

        fixed (byte* output = image.Pixels)
        {
            byte* source = _pixels;
            for (int y = 0; y < height; y++)
            {
                long target = start + y * rowStep;
                for (int x = 0; x < width; x++, source += 4, target += columnStep)
                {
                    int toWhite = 255 - source[3];
                    byte* pixel = output + target * 3;
                    pixel[0] = (byte)(source[0] + toWhite);
                    pixel[1] = (byte)(source[1] + toWhite);
                    pixel[2] = (byte)(source[2] + toWhite);
                }
            }
        }

        return image;
    }

    /// <summary>Whether displaying pixels stored with <paramref name="origin"/> turns them by 90°.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    public void Dispose()
    {
        NativeMemory.Free(_pixels);
        _pixels = null;
    }
}
