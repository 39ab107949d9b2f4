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
}
