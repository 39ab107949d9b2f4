namespace Kodiak.Vision.Codecs;

/// <summary>An image could not be decoded; <see cref="Reason"/> says why in plain words.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception for an image at <paramref name="path"/> (or a stream when null).</summary>
    /// <param name="path">The file that failed, or null when the image came from a stream or bytes.</param>
    /// <param name="reason">Plain-words cause, e.g. "truncated or corrupt image data".</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ImageDecodeException(string? path, string reason, Exception? innerException = null)
        : base(path is null ? $"Cannot decode image: {reason}." : $"Cannot decode image '{path}': {reason}.", innerException)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file that failed, or null when the image came from a stream or bytes.</summary>
    public string? Path { get; }

    /// <summary>Plain-words cause, without the path, suitable for a report column.</summary>
    public string Reason { get; }
}
