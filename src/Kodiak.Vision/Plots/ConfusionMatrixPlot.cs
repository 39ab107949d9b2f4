using SkiaSharp;

namespace Kodiak.Vision.Plots;

/// <summary>Where <see cref="ConfusionMatrixPlot"/> puts things, in pixels (so a caller or a test can find a cell).</summary>
/// <param name="Width">Image width.</param>
/// <param name="Height">Image height.</param>
/// <param name="Left">Left edge of the matrix.</param>
/// <param name="Top">Top edge of the matrix.</param>
/// <param name="CellSize">Side of one (square) cell.</param>
/// <param name="RotateColumnLabels">Column labels run bottom to top because some are wider than a cell.</param>
public sealed record ConfusionMatrixLayout(int Width, int Height, int Left, int Top, int CellSize, bool RotateColumnLabels)
{
    /// <summary>Centre of the cell for actual class <paramref name="row"/> and predicted class <paramref name="column"/>.</summary>
    public (float X, float Y) CellCentre(int row, int column) => (Left + (column + 0.5f) * CellSize, Top + (row + 0.5f) * CellSize);
}

/// <summary>Draws a confusion matrix the way fastai's <c>plot_confusion_matrix</c> (matplotlib) does.</summary>
public static class ConfusionMatrixPlot
{
    const int Padding = 16, Gap = 6, Tick = 4;
    const float TitleSize = 18, LabelSize = 15, TickSize = 13, CountSize = 14;

    // matplotlib's "Blues" (ColorBrewer's 9 steps), from 0 to 1.
    static readonly SKColor[] Blues =
    [
        new(0xf7, 0xfb, 0xff), new(0xde, 0xeb, 0xf7), new(0xc6, 0xdb, 0xef), new(0x9e, 0xca, 0xe1), new(0x6b, 0xae, 0xd6),
        new(0x42, 0x92, 0xc6), new(0x21, 0x71, 0xb5), new(0x08, 0x51, 0x9c), new(0x08, 0x30, 0x6b),
    ];

    /// <summary>Sizes the plot of <paramref name="matrix"/> with class names <paramref name="vocab"/>.</summary>
    public static ConfusionMatrixLayout Layout(int[,] matrix, IReadOnlyList<string> vocab)
    {
        using var title = Font(TitleSize);
        using var label = Font(LabelSize);
        using var tick = Font(TickSize);
        using var count = Font(CountSize);
        int n = vocab.Count;
        float widestCount = Enumerable.Range(0, n * n).Max(k => count.MeasureText(matrix[k / n, k % n].ToString()));
        int cellSize = (int)Math.Ceiling(Math.Max(44, widestCount + 12));
        float widestName = vocab.Max(v => tick.MeasureText(v));
        bool rotate = widestName > cellSize - 4;

        int left = Padding + (int)Math.Ceiling(label.Spacing) + Gap + (int)Math.Ceiling(widestName) + Gap + Tick;
        int top = Padding + (int)Math.Ceiling(title.Spacing) + Gap;
        float columnLabels = rotate ? widestName : tick.Spacing;
        int height = top + n * cellSize + Tick + Gap + (int)Math.Ceiling(columnLabels) + Gap + (int)Math.Ceiling(label.Spacing) + Padding;
        // Horizontal column labels wider than their cell would otherwise be cut at the right edge.
        int overhang = rotate ? 0 : (int)Math.Ceiling(Math.Max(0, (tick.MeasureText(vocab[^1]) - cellSize) / 2));
        int width = left + n * cellSize + overhang + Padding;
        // Keep the title, centred over the matrix, inside the image.
        width = Math.Max(width, (int)Math.Ceiling(left + n * cellSize / 2f + title.MeasureText("Confusion matrix") / 2 + Padding));
        return new ConfusionMatrixLayout(width, height, left, top, cellSize, rotate);
    }

    /// <summary>Saves the plot as a PNG at <paramref name="path"/>, creating its folder.</summary>
    public static void Save(int[,] matrix, IReadOnlyList<string> vocab, string path)
    {
        var layout = Layout(matrix, vocab);
        int n = vocab.Count, cell = layout.CellSize;
        float right = layout.Left + n * cell, bottom = layout.Top + n * cell;
        int max = matrix.Cast<int>().Max();

        using var surface = SKSurface.Create(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var title = Font(TitleSize);
        using var label = Font(LabelSize);
        using var tick = Font(TickSize);
        using var count = Font(CountSize);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill };
        using var line = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float fraction = max == 0 ? 0 : (float)matrix[i, j] / max;
                fill.Color = Blue(fraction);
                canvas.DrawRect(layout.Left + j * cell, layout.Top + i * cell, cell, cell, fill);
                // fastai's rule: white text on cells above half the largest count.
                ink.Color = matrix[i, j] > max / 2f ? SKColors.White : SKColors.Black;
                var (x, y) = layout.CellCentre(i, j);
                canvas.DrawText(matrix[i, j].ToString(), x, Baseline(y, count), SKTextAlign.Center, count, ink);
            }
        }

        ink.Color = SKColors.Black;
        canvas.DrawRect(layout.Left - 0.5f, layout.Top - 0.5f, n * cell + 1, n * cell + 1, line);
        for (int k = 0; k < n; k++)
        {
            var (x, y) = layout.CellCentre(k, k);
            canvas.DrawLine(layout.Left - Tick, y, layout.Left, y, line);
            canvas.DrawText(vocab[k], layout.Left - Tick - Gap, Baseline(y, tick), SKTextAlign.Right, tick, ink);
            canvas.DrawLine(x, bottom, x, bottom + Tick, line);
            if (layout.RotateColumnLabels)
                DrawUpward(canvas, vocab[k], Baseline(x, tick), bottom + Tick + Gap, SKTextAlign.Right, tick, ink);
            else
                canvas.DrawText(vocab[k], x, bottom + Tick + Gap - tick.Metrics.Ascent, SKTextAlign.Center, tick, ink);
        }

        float middleX = (layout.Left + right) / 2, middleY = (layout.Top + bottom) / 2;
        canvas.DrawText("Confusion matrix", middleX, layout.Top - Gap - title.Metrics.Descent, SKTextAlign.Center, title, ink);
        canvas.DrawText("Predicted", middleX, layout.Height - Padding - label.Metrics.Descent, SKTextAlign.Center, label, ink);
        DrawUpward(canvas, "Actual", Padding - label.Metrics.Ascent, middleY, SKTextAlign.Center, label, ink);

        PngFile.Save(surface, path);
    }

    /// <summary>The Blues colour at <paramref name="fraction"/> (0 white, 1 dark blue), interpolated between steps.</summary>
    internal static SKColor Blue(float fraction)
    {
        float position = Math.Clamp(fraction, 0, 1) * (Blues.Length - 1);
        int low = Math.Min((int)position, Blues.Length - 2);
        float t = position - low;
        SKColor a = Blues[low], b = Blues[low + 1];
        return new SKColor(Mix(a.Red, b.Red, t), Mix(a.Green, b.Green, t), Mix(a.Blue, b.Blue, t));
    }

    static byte Mix(byte a, byte b, float t) => (byte)Math.Round(a + (b - a) * t);

    static SKFont Font(float size) => new(Fonts.Sans, size);

    /// <summary>The baseline that centres the font's line box on <paramref name="centre"/> (ascent is negative in Skia).</summary>
    static float Baseline(float centre, SKFont font) => centre - (font.Metrics.Ascent + font.Metrics.Descent) / 2;

    /// <summary>Draws text rotated to read bottom to top (matplotlib's rotation=90) with its baseline at x = <paramref name="x"/>.</summary>
    static void DrawUpward(SKCanvas canvas, string text, float x, float y, SKTextAlign align, SKFont font, SKPaint paint)
    {
        canvas.Save();
        canvas.Translate(x, y);
        canvas.RotateDegrees(-90);
        canvas.DrawText(text, 0, 0, align, font, paint);
        canvas.Restore();
    }
}
