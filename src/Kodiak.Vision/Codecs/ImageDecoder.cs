using System.Globalization;
using Kodiak.Vision.Processing;
using SkiaSharp;

namespace Kodiak.Vision.Codecs;

/// <summary>
/// Decodes JPEG, PNG, WebP, GIF (first frame) and BMP into <see cref="RgbImage"/>: EXIF orientation
/// applied, transparency flattened onto white, colours converted to 8-bit sRGB whatever the stored
/// layout (grayscale, CMYK, 16-bit, palette). Every failure of the data is an <see cref="ImageDecodeException"/>;
/// a file that cannot be opened at all surfaces as the usual <see cref="IOException"/>, which names it too.
/// </summary>
public static class ImageDecoder
{
    // JPEG can decode at n/8 scale via a reduced IDCT; beyond 4/8 the saving is too small to be worth it.
    private const int JpegScaleDenominator = 8;
    private const int LargestReducedNumerator = 4;

    private static readonly SKColorSpace Srgb = SKColorSpace.CreateSrgb();

    /// <summary>Decodes the whole image at full size.</summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage Decode(ImageSource source, DecodeOptions? options = null) =>
        DecodeCore(source, options, target: null, resizeToTarget: false);

    /// <summary>
    /// Decodes, letting the codec shrink the image while decoding when that is much cheaper
    /// (JPEG's reduced DCT, used when the requested size is at most half the source). The result is
    /// never smaller than <paramref name="minWidth"/> × <paramref name="minHeight"/> unless the source
    /// itself is; resample it afterwards to the exact size wanted.
    /// </summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="minWidth">Smallest acceptable width, after orientation.</param>
    /// <param name="minHeight">Smallest acceptable height, after orientation.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage DecodeAtLeast(ImageSource source, int minWidth, int minHeight, DecodeOptions? options = null)
    {
        ValidateSize(minWidth, minHeight);
        return DecodeAtLeast(source, (_, _) => (minWidth, minHeight), options);
    }

    /// <summary>
    /// Like <see cref="DecodeAtLeast(ImageSource, int, int, DecodeOptions?)"/>, but the minimum size is worked out
    /// from the image's own size (after orientation), read from the header before any pixels are decoded.
    /// </summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="minimumSize">Maps the oriented source width and height to the smallest acceptable size.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage DecodeAtLeast(
        ImageSource source,
        Func<int, int, (int MinWidth, int MinHeight)> minimumSize,
        DecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(minimumSize);
        return DecodeCore(source, options, minimumSize, resizeToTarget: false);
    }

    /// <summary>
    /// Decodes straight to exactly <paramref name="width"/> × <paramref name="height"/> (aspect ratio not kept):
    /// <see cref="DecodeAtLeast(ImageSource, int, int, DecodeOptions?)"/> followed by <see cref="ImageOps.Resize"/>.
    /// </summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="width">Output width.</param>
    /// <param name="height">Output height.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage DecodeResized(ImageSource source, int width, int height, DecodeOptions? options = null)
    {
        ValidateSize(width, height);
        return DecodeCore(source, options, (_, _) => (width, height), resizeToTarget: true);
    }

    /// <summary>
    /// Decodes so that the shorter side is exactly <paramref name="shortSide"/> pixels, keeping the aspect
    /// ratio; the same result as <see cref="ImageOps.ResizeShortSide"/> on a full decode, only faster.
    /// </summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="shortSide">Length of the shorter output side, e.g. 224.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage DecodeShortSide(ImageSource source, int shortSide, DecodeOptions? options = null)
    {
        ValidateSize(shortSide, shortSide);
        return DecodeCore(source, options, (w, h) => ImageOps.ShortSideSize(w, h, shortSide), resizeToTarget: true);
    }

    /// <summary>Reads size (after EXIF orientation) and format from the header, without decoding pixels.</summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <exception cref="ImageDecodeException">The data is not a recognisable image.</exception>
    public static ImageInfo Identify(ImageSource source)
    {
        using Stream stream = source.Open();
        using SKCodec codec = OpenCodec(source, stream, out ImageFormat format);
        (int width, int height) = Oriented(codec.Info.Size, codec.EncodedOrigin);
        return new ImageInfo(width, height, format);
    }

    /// <summary>
    /// The one decode path. <paramref name="target"/> maps the oriented source size to the wanted size
    /// (null: full size); the codec may decode smaller but never below it.
    /// </summary>
    internal static RgbImage DecodeCore(
        ImageSource source,
        DecodeOptions? options,
        Func<int, int, (int Width, int Height)>? target,
        bool resizeToTarget)
    {
        options ??= DecodeOptions.Default;
        using Stream stream = source.Open();
        using SKCodec codec = OpenCodec(source, stream, out ImageFormat format);

        SKImageInfo header = codec.Info;
        long pixels = (long)header.Width * header.Height;
        if (pixels > options.MaxPixels)
        {
            throw new ImageDecodeException(source.Path, string.Create(
                CultureInfo.InvariantCulture,
                $"{header.Width}×{header.Height} pixels exceeds the limit of {DescribePixels(options.MaxPixels)}"));
        }

        SKEncodedOrigin origin = codec.EncodedOrigin;
        (int orientedWidth, int orientedHeight) = Oriented(header.Size, origin);
        (int Width, int Height)? wanted = target?.Invoke(orientedWidth, orientedHeight);
        SKSizeI decodeSize = wanted is { } size && format == ImageFormat.Jpeg
            ? SmallestJpegSize(codec, origin, size.Width, size.Height)
            : header.Size;

        // Premultiplied so flattening onto white is exact; sRGB so embedded profiles (and CMYK) are honoured.
        var info = new SKImageInfo(
            decodeSize.Width,
            decodeSize.Height,
            SKColorType.Rgba8888,
            header.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul,
            Srgb);

        // A GIF's first frame may cover only part of the canvas; the rest must read as transparent.
        using var buffer = new RgbaBuffer(info, zeroed: format == ImageFormat.Gif);
        SKCodecResult result = codec.GetPixels(info, buffer.Address);
        if (result != SKCodecResult.Success)
        {
            // IncompleteInput would otherwise be a silently grey lower half.
            throw new ImageDecodeException(source.Path, result is SKCodecResult.IncompleteInput or SKCodecResult.ErrorInInput
                ? "truncated or corrupt image data"
                : $"the decoder failed ({result})");
        }

        RgbImage image = buffer.ToRgb(origin);
        return resizeToTarget && wanted is { } exact ? ImageOps.Resize(image, exact.Width, exact.Height) : image;
    }

    private static SKCodec OpenCodec(ImageSource source, Stream stream, out ImageFormat format)
    {
        if (stream.Length == 0)
        {
            throw new ImageDecodeException(source.Path, "empty file (0 bytes)");
        }

        // The codec owns the Skia stream wrapper; our stream stays ours to dispose.
        SKCodec? codec = SKCodec.Create(new SKManagedStream(stream, disposeManagedStream: false), out _);
        if (codec is null)
        {
            // Skia's result code does not separate "not an image" from "broken image", so look at the signature.
            throw new ImageDecodeException(source.Path, HasKnownSignature(stream)
                ? "truncated or corrupt image data"
                : "not an image (unrecognised format)");
        }

        ImageFormat? known = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => ImageFormat.Jpeg,
            SKEncodedImageFormat.Png => ImageFormat.Png,
            SKEncodedImageFormat.Webp => ImageFormat.Webp,
            SKEncodedImageFormat.Gif => ImageFormat.Gif,
            SKEncodedImageFormat.Bmp => ImageFormat.Bmp,
            _ => null,
        };
        if (known is null)
        {
            SKEncodedImageFormat other = codec.EncodedFormat;
            codec.Dispose();
            throw new ImageDecodeException(source.Path, $"unsupported image format ({other})");
        }

        format = known.Value;
        return codec;
    }

    private static bool HasKnownSignature(Stream stream)
    {
        Span<byte> head = stackalloc byte[12];
        stream.Position = 0;
        head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        return head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])
            || head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])
            || head.StartsWith("GIF8"u8)
            || head.StartsWith("BM"u8)
            || (head.StartsWith("RIFF"u8) && head.Length == 12 && head[8..].SequenceEqual("WEBP"u8));
    }

    /// <summary>The smallest reduced JPEG scale still covering the wanted size, or full size if none does.</summary>
    private static SKSizeI SmallestJpegSize(SKCodec codec, SKEncodedOrigin origin, int minWidth, int minHeight)
    {
        for (int numerator = 1; numerator <= LargestReducedNumerator; numerator++)
        {
            SKSizeI scaled = codec.GetScaledDimensions((float)numerator / JpegScaleDenominator);
            (int width, int height) = Oriented(scaled, origin);
            if (width >= minWidth && height >= minHeight)
            {
                return scaled;
            }
        }

        return codec.Info.Size;
    }

    private static (int Width, int Height) Oriented(SKSizeI stored, SKEncodedOrigin origin) =>
        RgbaBuffer.SwapsAxes(origin) ? (stored.Height, stored.Width)
            : (stored.Width, stored.Height);

    private static string DescribePixels(long pixels) =>
        pixels % 1_000_000 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{pixels / 1_000_000} megapixels")
            : string.Create(CultureInfo.InvariantCulture, $"{pixels} pixels");

    private static void ValidateSize(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
    }
}
