using SkiaSharp;

namespace Kodiak.Vision.Plots;

/// <summary>The typeface for text drawn on generated images (grids, plots).</summary>
internal static class Fonts
{
    // Skia's Linux build without fontconfig has no default font, so look for a common one by path.
    static readonly string[] SansFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "/System/Library/Fonts/Supplemental/Arial.ttf",
        @"C:\Windows\Fonts\arial.ttf",
    ];

    static readonly Lazy<SKTypeface> LazySans = new(() =>
        SansFiles.Where(File.Exists).Select(SKTypeface.FromFile).FirstOrDefault(t => t is not null) ?? SKTypeface.Default);

    /// <summary>DejaVu Sans (or Arial), else Skia's default.</summary>
    public static SKTypeface Sans => LazySans.Value;
}
