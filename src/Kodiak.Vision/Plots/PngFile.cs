using SkiaSharp;

namespace Kodiak.Vision.Plots;

/// <summary>Writes what was drawn on a surface as a PNG file: the one way Kodiak's plots and grids are saved.</summary>
internal static class PngFile
{
    /// <summary>Encodes <paramref name="surface"/> as PNG into <paramref name="path"/>, creating its folder.</summary>
    public static void Save(SKSurface surface, string path)
    {
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, png.ToArray());
    }
}
