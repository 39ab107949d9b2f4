using Kodiak.Testing;
using Kodiak.Training.Interpret;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Plots;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Tests.Interpret;

public sealed class ClassificationInterpretationTests : IDisposable
{
    static readonly string[] Vocab = ["black", "grizzly", "teddy"];

    // Actual → predicted: black 2/1/0, grizzly 2/2/0, teddy 1/2/0; teddy is never predicted.
    static readonly int[] Targets = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
    static readonly float[,] Probabilities =
    {
        { 0.7f, 0.2f, 0.1f },
        { 0.5f, 0.3f, 0.2f },
        { 0.3f, 0.6f, 0.1f },
        { 0.1f, 0.8f, 0.1f },
        { 0.2f, 0.7f, 0.1f },
        { 0.6f, 0.3f, 0.1f },
        { 0.9f, 0.05f, 0.05f },
        { 0.2f, 0.5f, 0.3f },
        { 0.4f, 0.3f, 0.3f },
        { 0.1f, 0.85f, 0.05f },
    };
    static readonly float[] Losses = [0.36f, 0.69f, 1.20f, 0.22f, 0.36f, 1.20f, 3.00f, 1.20f, 1.20f, 3.00f];

    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static ClassificationInterpretation Example(IReadOnlyList<string>? paths = null) =>
        new(Vocab, Probabilities, Targets, Losses, paths ?? [.. Targets.Select((_, i) => $"item{i}.png")]);

    [Fact]
    public void Confusion_matrix_has_actual_rows_and_argmax_columns()
    {
        var interp = Example();
        Assert.Equal([0, 0, 1, 1, 1, 0, 0, 1, 0, 1], interp.Predictions);
        Assert.Equal(new[,] { { 2, 1, 0 }, { 2, 2, 0 }, { 1, 2, 0 } }, interp.ConfusionMatrix());
        Assert.Equal(0.4, interp.Accuracy, 9);
    }

    [Fact]
    public void Jagged_probabilities_give_the_same_matrix()
    {
        float[][] rows = [.. Enumerable.Range(0, Targets.Length).Select(i => Enumerable.Range(0, 3).Select(c => Probabilities[i, c]).ToArray())];
        var jagged = new ClassificationInterpretation(Vocab, rows, Targets, Losses, [.. Targets.Select(_ => "x.png")]);
        Assert.Equal(Example().ConfusionMatrix(), jagged.ConfusionMatrix());
    }

    [Fact]
    public void Confusion_matrix_text_lists_counts_under_class_names()
    {
        string[] lines = Example().ConfusionMatrixText().TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.Equal(["actual", "\\", "predicted", "black", "grizzly", "teddy"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["black", "2", "1", "0"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["grizzly", "2", "2", "0"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["teddy", "1", "2", "0"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        // Right-aligned under the headers: every line ends at the same column.
        Assert.Single(lines.Select(l => l.Length).Distinct());
    }

    [Fact]
    public void Most_confused_is_by_count_then_names()
    {
        var interp = Example();
        Assert.Equal(
            [("grizzly", "black", 2), ("teddy", "grizzly", 2), ("black", "grizzly", 1), ("teddy", "black", 1)],
            interp.MostConfused());
        Assert.Equal([("grizzly", "black", 2), ("teddy", "grizzly", 2)], interp.MostConfused(minCount: 2));
    }

    [Fact]
    public void Report_matches_hand_computed_precision_recall_f1()
    {
        var report = Example().ClassificationReport();
        Assert.Equal(["black", "grizzly", "teddy"], report.Select(r => r.Class));
        Assert.Equal([3, 4, 3], report.Select(r => r.Support));
        // black: 2 of 5 predictions right, 2 of 3 found; grizzly: 2 of 5, 2 of 4.
        Assert.Equal(0.4, report[0].Precision, 9);
        Assert.Equal(2.0 / 3, report[0].Recall, 9);
        Assert.Equal(0.5, report[0].F1, 9);
        Assert.Equal(0.4, report[1].Precision, 9);
        Assert.Equal(0.5, report[1].Recall, 9);
        Assert.Equal(4.0 / 9, report[1].F1, 9);
        // teddy is never predicted: 0, not NaN.
        Assert.Equal(new ClassReport("teddy", 0, 0, 0, 3), report[2]);
    }

    [Fact]
    public void Report_text_is_laid_out_like_sklearn()
    {
        // sklearn.metrics.classification_report(y_true, y_pred, target_names=...) on the same example.
        string expected =
            "              precision    recall  f1-score   support\n" +
            "\n" +
            "       black       0.40      0.67      0.50         3\n" +
            "     grizzly       0.40      0.50      0.44         4\n" +
            "       teddy       0.00      0.00      0.00         3\n" +
            "\n" +
            "    accuracy                           0.40        10\n" +
            "   macro avg       0.27      0.39      0.31        10\n" +
            "weighted avg       0.28      0.40      0.33        10\n";
        Assert.Equal(expected, Example().ClassificationReportText());
    }

    [Fact]
    public void From_logits_takes_softmax_and_cross_entropy()
    {
        // Logits (0, ln 2, ln 5): softmax (1, 2, 5) / 8; the loss is -ln p(target).
        float ln2 = MathF.Log(2), ln5 = MathF.Log(5);
        var interp = ClassificationInterpretation.FromLogits(Vocab, [[0, ln2, ln5], [1000, 0, -1000]], [1, 1], ["a.png", "b.png"]);
        Assert.Equal(1 / 8f, interp.Probability(0, 0), 5);
        Assert.Equal(2 / 8f, interp.Probability(0, 1), 5);
        Assert.Equal(5 / 8f, interp.Probability(0, 2), 5);
        Assert.Equal(MathF.Log(4), interp.Losses[0], 5);
        Assert.Equal([2, 0], interp.Predictions);
        // Large logits neither overflow nor give an infinite loss: -log softmax = 1000 - 0.
        Assert.Equal(1f, interp.Probability(1, 0), 6);
        Assert.Equal(1000f, interp.Losses[1], 3);
    }

    [Fact]
    public void Mismatched_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ClassificationInterpretation(Vocab, Probabilities, [0, 1], Losses, ["a"]));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ClassificationInterpretation.FromLogits(Vocab, [[0, 0, 0]], [3], ["a.png"]));
    }

    [Fact]
    public void Top_losses_are_highest_first_and_captioned_like_fastai()
    {
        var interp = Example();
        Assert.Equal([6, 9, 2, 5, 7], interp.TopLossIndices(5));
        Assert.Equal(10, interp.TopLossIndices(50).Count);
        // Item 7: teddy predicted as grizzly with p 0.5.
        Assert.Equal("grizzly/teddy / 1.20 / 0.50", interp.TopLossCaption(7));
    }

    [Fact]
    public void Plot_confusion_matrix_shades_cells_by_count()
    {
        string path = Path.Combine(_temp.Path, "plots", "confusion.png");
        var interp = Example();
        interp.PlotConfusionMatrix(path);

        var image = ImageDecoder.Decode(path);
        var layout = ConfusionMatrixPlot.Layout(interp.ConfusionMatrix(), Vocab);
        Assert.Equal((layout.Width, layout.Height), (image.Width, image.Height));
        // Sample a cell's corner area, clear of its count text.
        int Brightness(int row, int column)
        {
            var (x, y) = layout.CellCentre(row, column);
            var (r, g, b) = TestImages.Pixel(image, (int)x - layout.CellSize / 2 + 3, (int)y - layout.CellSize / 2 + 3);
            return r + g + b;
        }

        Assert.True(Brightness(0, 0) < Brightness(0, 2) - 100, $"diagonal {Brightness(0, 0)} vs empty {Brightness(0, 2)}");
        Assert.Equal(Brightness(0, 0), Brightness(1, 1)); // both hold the largest count, 2
        TestImages.AssertColor(image, (int)layout.CellCentre(0, 2).X - 15, (int)layout.CellCentre(0, 2).Y - 15, (0xf7, 0xfb, 0xff), 2);
    }

    [Fact]
    public void Long_class_names_rotate_the_column_labels()
    {
        var matrix = new int[,] { { 1, 0 }, { 0, 1 } };
        Assert.False(ConfusionMatrixPlot.Layout(matrix, ["a", "b"]).RotateColumnLabels);
        Assert.True(ConfusionMatrixPlot.Layout(matrix, ["american_pit_bull_terrier", "b"]).RotateColumnLabels);
    }

    [Fact]
    public void Blues_run_from_white_to_dark_blue()
    {
        Assert.Equal(new SkiaSharp.SKColor(0xf7, 0xfb, 0xff), ConfusionMatrixPlot.Blue(0));
        Assert.Equal(new SkiaSharp.SKColor(0x08, 0x30, 0x6b), ConfusionMatrixPlot.Blue(1));
        Assert.Equal(new SkiaSharp.SKColor(0x6b, 0xae, 0xd6), ConfusionMatrixPlot.Blue(0.5f));
    }

    [Fact]
    public void Plot_top_losses_draws_the_highest_loss_images_in_order()
    {
        // Each item's image is a solid colour of its own so the grid cells can be told apart.
        var colours = Enumerable.Range(0, Targets.Length).Select(i => ((byte)(i * 25), (byte)(250 - i * 20), (byte)(i % 2 * 200))).ToArray();
        var paths = colours.Select((c, i) => _temp.Write($"items/{i}.png", ImageEncoder.Encode(TestImages.Solid(80, 60, c.Item1, c.Item2, c.Item3), ImageFormat.Png))).ToList();
        var interp = Example(paths);
        string path = Path.Combine(_temp.Path, "top.png");

        interp.PlotTopLosses(5, path, [new Resize(64)]);

        // 5 cells of 64×64 images in ceil(sqrt 5) = 3 rows of 2, with ImageGrid's 8 px margins and one caption line.
        var image = ImageDecoder.Decode(path);
        int cellHeight = 64 + (int)(14 * 1.3f) + 4;
        Assert.Equal((8 + 2 * (64 + 8), 8 + 3 * (cellHeight + 8)), (image.Width, image.Height));
        var top = interp.TopLossIndices(5);
        for (int k = 0; k < top.Count; k++)
        {
            var (r, g, b) = colours[top[k]];
            TestImages.AssertColor(image, 8 + k % 2 * 72 + 32, 8 + k / 2 * (cellHeight + 8) + 32, (r, g, b), 2);
        }
    }
}
