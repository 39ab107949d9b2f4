using System.Runtime.InteropServices;

namespace Kodiak.Vision.Codecs;

/// <summary>
/// Where an encoded image comes from: a file path, bytes in memory, or a stream.
/// Paths and byte arrays convert implicitly, so <c>ImageDecoder.Decode("cat.jpg")</c> works.
/// </summary>
public readonly struct ImageSource
{
    private readonly ReadOnlyMemory<byte> _bytes;

    private ImageSource(string? path, ReadOnlyMemory<byte> bytes)
    {
        Path = path;
        _bytes = bytes;
    }

    /// <summary>The file this source reads, or null for bytes and streams; used in error messages.</summary>
    public string? Path { get; }

    /// <summary>An image file on disk; it is opened only when decoded.</summary>
    /// <param name="path">The file to read.</param>
    public static ImageSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new ImageSource(path, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>An encoded image already in memory (not copied).</summary>
    /// <param name="bytes">The encoded bytes.</param>
    public static ImageSource FromBytes(ReadOnlyMemory<byte> bytes) => new(null, bytes);

    /// <summary>Reads the rest of <paramref name="stream"/> now; the stream is left open.</summary>
    /// <param name="stream">A readable stream positioned at the start of the encoded image.</param>
    public static ImageSource FromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        // Codecs seek back and forth, so buffer once rather than depend on the caller's stream.
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return new ImageSource(null, buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>Same as <see cref="FromFile"/>.</summary>
    /// <param name="path">The file to read.</param>
    public static implicit operator ImageSource(string path) => FromFile(path);

    /// <summary>Same as <see cref="FromBytes"/>.</summary>
    /// <param name="bytes">The encoded bytes.</param>
    public static implicit operator ImageSource(byte[] bytes) => FromBytes(bytes);

    /// <summary>Opens a seekable stream over the encoded bytes; the caller disposes it.</summary>
    internal Stream Open()
    {
        if (Path is null)
        {
            ArraySegment<byte> segment = MemoryMarshal.TryGetArray(_bytes, out var array) ? array : _bytes.ToArray();
            return new MemoryStream(segment.Array ?? [], segment.Offset, segment.Count, writable: false);
        }

        return new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);
    }
}
