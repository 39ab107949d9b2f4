using System.Buffers.Binary;
using System.IO.Compression;

namespace Kodiak.Testing;

/// <summary>Damages <c>.kodiak</c> bundles the ways a disk, a download or a person might.</summary>
public static class BundleFiles
{
    /// <summary>A copy of <paramref name="bundle"/> cut to its first half, as an interrupted copy leaves it.</summary>
    public static string Truncated(string bundle, string copy)
    {
        var bytes = File.ReadAllBytes(bundle);
        File.WriteAllBytes(copy, bytes[..(bytes.Length / 2)]);
        return copy;
    }

    /// <summary>A copy of <paramref name="bundle"/> (a valid zip again) in which one byte of <paramref name="entry"/> is changed.</summary>
    public static string Tampered(string bundle, string copy, string entry)
    {
        using var source = ZipFile.OpenRead(bundle);
        using var target = ZipFile.Open(copy, ZipArchiveMode.Create);
        foreach (var item in source.Entries)
        {
            using var input = item.Open();
            using var buffer = new MemoryStream();
            input.CopyTo(buffer);
            var bytes = buffer.ToArray();
            if (item.FullName == entry)
                bytes[bytes.Length / 2] ^= 0x01;
            using var output = target.CreateEntry(item.FullName, CompressionLevel.NoCompression).Open();
            output.Write(bytes);
        }

        return copy;
    }

    /// <summary>
    /// A copy of <paramref name="bundle"/> whose zip headers (local and central) say <paramref name="entry"/> holds
    /// <paramref name="size"/> bytes once decompressed, whatever its data is.
    /// </summary>
    public static string ClaimingSize(string bundle, string copy, string entry, uint size)
    {
        var bytes = File.ReadAllBytes(bundle);
        var name = System.Text.Encoding.UTF8.GetBytes(entry);
        // (signature, offset of the name length, offset of the name, offset of the uncompressed size)
        foreach (var (signature, nameLength, nameAt, sizeAt) in new[] { (0x04034b50u, 26, 30, 22), (0x02014b50u, 28, 46, 24) })
            for (int at = 0; at + nameAt <= bytes.Length; at++)
                if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == signature
                    && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + nameLength)) == name.Length
                    && bytes.AsSpan(at + nameAt).StartsWith(name))
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + sizeAt), size);
        File.WriteAllBytes(copy, bytes);
        return copy;
    }
}
