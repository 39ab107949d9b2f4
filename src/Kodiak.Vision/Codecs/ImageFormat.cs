namespace Kodiak.Vision.Codecs;

/// <summary>The encoded image formats Kodiak decodes.</summary>
public enum ImageFormat
{
    /// <summary>JPEG (baseline or progressive; RGB, grayscale or CMYK).</summary>
    Jpeg,

    /// <summary>PNG (any bit depth, palette, grayscale, alpha).</summary>
    Png,

    /// <summary>WebP (lossy or lossless; the first frame when animated).</summary>
    Webp,

    /// <summary>GIF (the first frame).</summary>
    Gif,

    /// <summary>Windows bitmap.</summary>
    Bmp,
}
