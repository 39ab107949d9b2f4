using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Kodiak.Vision;
using Xunit;

namespace Kodiak.Testing;

/// <summary>Builds image fixtures in memory, by hand where Skia cannot encode the variant we need.</summary>
public static class TestImages
{
    public static RgbImage Solid(int width, int height, byte r, byte g, byte b)
    {
        var image = new RgbImage(width, height);
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            image.Pixels[i] = r;
            image.Pixels[i + 1] = g;
            image.Pixels[i + 2] = b;
        }

        return image;
    }

    /// <summary>Smooth gradients, waves and discs: compresses like a photo and survives resampling.</summary>
    public static RgbImage Photo(int width, int height)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double wave = Math.Sin(x / 37.0) * Math.Cos(y / 53.0);
                bool disc = Math.Pow(x - width * 0.3, 2) + Math.Pow(y - height * 0.6, 2) < Math.Pow(height * 0.2, 2);
                int i = (y * width + x) * 3;
                image.Pixels[i] = (byte)(disc ? 230 : 128 + 100 * wave);
                image.Pixels[i + 1] = (byte)(255L * x / width);
                image.Pixels[i + 2] = (byte)(disc ? 40 : 255L * y / height);
            }
        }

        return image;
    }

    public static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        int i = (y * image.Width + x) * 3;
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    public static void AssertColor(RgbImage image, int x, int y, (int R, int G, int B) expected, int tolerance)
    {
        var (r, g, b) = Pixel(image, x, y);
        Assert.True(
            Math.Abs(r - expected.R) <= tolerance && Math.Abs(g - expected.G) <= tolerance && Math.Abs(b - expected.B) <= tolerance,
            $"Pixel ({x},{y}) is ({r},{g},{b}), expected ({expected.R},{expected.G},{expected.B}) ± {tolerance}.");
    }

    public static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long sum = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            sum += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }

        return (double)sum / a.Pixels.Length;
    }

    /// <summary>A PNG from raw 8- or 16-bit samples; <paramref name="chunks"/> go between IHDR and IDAT (PLTE, tRNS).</summary>
    public static byte[] Png(int width, int height, byte colorType, byte bitDepth, byte[] samples, params (string Type, byte[] Data)[] chunks)
    {
        int rowBytes = samples.Length / height;
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0); // filter: none
            raw.Write(samples, y * rowBytes, rowBytes);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colorType;
        return PngFile([("IHDR", header), .. chunks, ("IDAT", Deflate(raw.ToArray())), ("IEND", [])]);
    }

    /// <summary>A PNG whose header claims <paramref name="width"/> × <paramref name="height"/> gray pixels but carries only a few rows.</summary>
    public static byte[] PngBomb(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        return PngFile([("IHDR", header), ("IDAT", Deflate(new byte[(width + 1) * 4])), ("IEND", [])]);
    }

    /// <summary>A bottom-up 24-bit BMP.</summary>
    public static byte[] Bmp(RgbImage image)
    {
        int stride = (image.Width * 3 + 3) & ~3;
        int pixelBytes = stride * image.Height;
        var bytes = new byte[54 + pixelBytes];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), image.Height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(34), pixelBytes);
        for (int y = 0; y < image.Height; y++)
        {
            int row = 54 + (image.Height - 1 - y) * stride;
            for (int x = 0; x < image.Width; x++)
            {
                var (r, g, b) = Pixel(image, x, y);
                bytes[row + x * 3] = b;
                bytes[row + x * 3 + 1] = g;
                bytes[row + x * 3 + 2] = r;
            }
        }

        return bytes;
    }

    /// <summary>
    /// A single-frame GIF89a with a 4-colour palette. The LZW stream is left "uncompressed": 8-bit codes with a
    /// clear code every 100 pixels, so the code width never grows.
    /// </summary>
    public static byte[] Gif(int width, int height, byte[] indices, (byte R, byte G, byte B)[] palette, int? transparentIndex = null)
    {
        var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        WriteUInt16(gif, width);
        WriteUInt16(gif, height);
        gif.Write([0x81, 0, 0]); // global colour table of 2^(1+1) = 4 entries
        for (int i = 0; i < 4; i++)
        {
            var (r, g, b) = i < palette.Length ? palette[i] : default;
            gif.Write([r, g, b]);
        }

        if (transparentIndex is { } transparent)
        {
            gif.Write([0x21, 0xF9, 4, 1, 0, 0, (byte)transparent, 0]);
        }

        gif.WriteByte(0x2C);
        WriteUInt16(gif, 0);
        WriteUInt16(gif, 0);
        WriteUInt16(gif, width);
        WriteUInt16(gif, height);
        gif.WriteByte(0);

        const byte clear = 128, end = 129;
        var codes = new List<byte>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (i % 100 == 0)
            {
                codes.Add(clear);
            }

            codes.Add(indices[i]);
        }

        codes.Add(end);
        gif.WriteByte(7); // LZW minimum code size: codes start 8 bits wide
        foreach (byte[] block in codes.Chunk(255))
        {
            gif.WriteByte((byte)block.Length);
            gif.Write(block);
        }

        gif.Write([0, 0x3B]);
        return gif.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment holding only an Orientation tag right after the JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, int orientation)
    {
        Assert.True(jpeg[0] == 0xFF && jpeg[1] == 0xD8, "not a JPEG");
        var exif = new MemoryStream();
        exif.Write("Exif\0\0"u8);
        exif.Write([(byte)'M', (byte)'M', 0, 0x2A, 0, 0, 0, 8]); // big-endian TIFF header, IFD0 at offset 8
        exif.Write([0, 1]); // one entry
        exif.Write([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte)orientation, 0, 0]); // Orientation, SHORT, count 1
        exif.Write([0, 0, 0, 0]); // no next IFD
        byte[] payload = exif.ToArray();

        var result = new MemoryStream();
        result.Write(jpeg, 0, 2);
        result.Write([0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        result.Write(payload);
        result.Write(jpeg, 2, jpeg.Length - 2);
        return result.ToArray();
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] PngFile(IEnumerable<(string Type, byte[] Data)> chunks)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> four = stackalloc byte[4];
        foreach (var (type, data) in chunks)
        {
            byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
            BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
            png.Write(four);
            png.Write(typeAndData);
            BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typeAndData));
            png.Write(four);
        }

        return png.ToArray();
    }

    private static byte[] Deflate(byte[] data)
    {
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return compressed.ToArray();
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }

    private static void WriteUInt16(Stream stream, int value) => stream.Write([(byte)value, (byte)(value >> 8)]);
}
