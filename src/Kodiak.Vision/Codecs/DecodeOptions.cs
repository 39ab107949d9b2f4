namespace Kodiak.Vision.Codecs;

/// <summary>Limits applied while decoding images.</summary>
public sealed class DecodeOptions
{
    /// <summary>The options used when none are given: a 100-megapixel limit.</summary>
    public static DecodeOptions Default { get; } = new();

    /// <summary>
    /// Largest <c>width × height</c> (as stored in the file header) that will be decoded; larger images
    /// are refused before any pixel memory is allocated, so a decompression bomb cannot exhaust memory.
    /// Defaults to 100,000,000.
    /// </summary>
    public long MaxPixels
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 100_000_000;
}
