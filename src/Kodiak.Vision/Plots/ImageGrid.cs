using Kodiak.Vision.Processing;
using SkiaSharp;

namespace Kodiak.Vision.Plots;

/// <summary>Draws images in a grid with a caption under each and saves it as a PNG (show-batch, top losses).</summary>
public static class ImageGrid
{
    const int Margin = 8;
    const float CaptionSize = 14;

    /// <summary>Saves <paramref name="cells"/> row by row in <paramref name="rows"/> rows as a PNG at <paramref name="path"/>.</summary>
    /// <param name="cells">Images (of any sizes) and their captions.</param>
    /// <param name="rows">Number of rows; the columns follow.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    public static void Save(IReadOnlyList<(RgbImage Image, string Caption)> cells, int rows, string path)
    {
        ArgumentOutOfRangeException.ThrowIfZero(cells.Count);
        rows = Math.Clamp(rows, 1, cells.Count);
        int columns = (cells.Count + rows - 1) / rows;
        int cellWidth = cells.Max(c => c.Image.Width), imageHeight = cells.Max(c => c.Image.Height);
        int captionLines = cells.Max(c => c.Caption.Split('\n').Length);
        int cellHeight = imageHeight + (int)(captionLines * CaptionSize * 1.3f) + 4;
        var info = new SKImageInfo(Margin + columns * (cellWidth + Margin), Margin + rows * (cellHeight + Margin), SKColorType.Rgba8888, SKAlphaType.Premul);

        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(Fonts.Sans, CaptionSize);
        using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int i = 0; i < cells.Count; i++)
        {
            var (image, caption) = cells[i];
            float x = Margin + i % columns * (cellWidth + Margin), y = Margin + i / columns * (cellHeight + Margin);
            using (var pixels = RgbaBuffer.FromRgb(image))
            using (var pixmap = pixels.ToPixmap())
            using (var picture = SKImage.FromPixels(pixmap))
                canvas.DrawImage(picture, x + (cellWidth - image.Width) / 2f, y, SKSamplingOptions.Default);
            var lines = caption.Split('\n');
            for (int l = 0; l < lines.Length; l++)
                canvas.DrawText(lines[l], x + cellWidth / 2f, y + imageHeight + (l + 1) * CaptionSize * 1.3f, SKTextAlign.Center, font, paint);
        }

        PngFile.Save(surface, path);
    }
}
