using SkiaSharp;

namespace Kodiak.Vision.Plots;

/// <summary>A simple line chart saved as PNG: training losses, the learning-rate finder's curve.</summary>
public static class LinePlot
{
    const int Width = 640, Height = 420, Left = 70, Right = 20, Top = 40, Bottom = 50;
    static readonly SKColor[] Colours = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40)];

    /// <summary>Draws each series as a line with its name in a legend and saves the chart.</summary>
    /// <param name="path">The PNG file; its folder is created.</param>
    /// <param name="title">Title above the chart.</param>
    /// <param name="xLabel">Label of the horizontal axis.</param>
    /// <param name="yLabel">Label of the vertical axis.</param>
    /// <param name="series">Named series of (x, y) points; non-finite points are left out.</param>
    /// <param name="logX">Whether the horizontal axis is logarithmic (learning rates).</param>
    public static void Save(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series, bool logX = false)
    {
        var finite = series.Select(s => (s.Name, Points: s.Points.Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X) && (!logX || p.X > 0)).ToList())).ToList();
        var all = finite.SelectMany(s => s.Points).ToList();
        if (all.Count == 0) throw new ArgumentException("Nothing to plot: no finite points.", nameof(series));
        Func<double, double> fx = logX ? Math.Log10 : x => x;
        double x0 = all.Min(p => fx(p.X)), x1 = all.Max(p => fx(p.X)), y0 = all.Min(p => p.Y), y1 = all.Max(p => p.Y);
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) y1 = y0 + 1;
        SKPoint At((double X, double Y) p) => new(
            (float)(Left + (fx(p.X) - x0) / (x1 - x0) * (Width - Left - Right)),
            (float)(Height - Bottom - (p.Y - y0) / (y1 - y0) * (Height - Top - Bottom)));

        using var surface = SKSurface.Create(new SKImageInfo(Width, Height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var font = new SKFont(Fonts.Sans, 13);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var axis = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        canvas.DrawRect(Left, Top, Width - Left - Right, Height - Top - Bottom, axis);
        canvas.DrawText(title, Width / 2f, Top - 15, SKTextAlign.Center, font, ink);
        canvas.DrawText(xLabel, Width / 2f, Height - 10, SKTextAlign.Center, font, ink);
        for (int t = 0; t <= 4; t++)
        {
            double xv = x0 + t * (x1 - x0) / 4, yv = y0 + t * (y1 - y0) / 4;
            string xText = logX ? $"1e{xv:0.#}" : $"{xv:0.##}";
            canvas.DrawText(xText, Left + t * (Width - Left - Right) / 4f, Height - Bottom + 18, SKTextAlign.Center, font, ink);
            canvas.DrawText($"{yv:0.###}", Left - 6, Height - Bottom - t * (Height - Top - Bottom) / 4f + 4, SKTextAlign.Right, font, ink);
        }
        canvas.Save();
        canvas.RotateDegrees(-90, 16, Height / 2f);
        canvas.DrawText(yLabel, 16, Height / 2f, SKTextAlign.Center, font, ink);
        canvas.Restore();

        for (int s = 0; s < finite.Count; s++)
        {
            using var pen = new SKPaint { Color = Colours[s % Colours.Length], StrokeWidth = 2, Style = SKPaintStyle.Stroke, IsAntialias = true };
            var points = finite[s].Points.Select(At).ToArray();
            if (points.Length == 1)
                canvas.DrawCircle(points[0], 3, pen);
            else
                canvas.DrawPoints(SKPointMode.Polygon, points, pen);
            using var swatch = new SKPaint { Color = pen.Color, IsAntialias = true };
            canvas.DrawRect(Width - Right - 120, Top + 10 + s * 18, 12, 12, swatch);
            canvas.DrawText(finite[s].Name, Width - Right - 102, Top + 21 + s * 18, SKTextAlign.Left, font, ink);
        }

        PngFile.Save(surface, path);
    }
}
