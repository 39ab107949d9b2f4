using System.Globalization;
using System.Text;
using Kodiak.Training.Learn;
using Kodiak.Vision.Plots;
using Kodiak.Vision.Transforms;
using TorchSharp;

namespace Kodiak.Training.Interpret;

/// <summary>
/// fastai's <c>ClassificationInterpretation</c> built from a classifier's predictions on a validation set:
/// confusion matrix, most confused pairs, top losses and a per-class report.
/// </summary>
public sealed class ClassificationInterpretation
{
    readonly float[][] _probabilities;
    readonly int[] _targets;
    readonly int[] _predictions;
    readonly float[] _losses;

    /// <summary>Creates an interpretation from class probabilities.</summary>
    /// <param name="vocab">Class names, in the order of the probability columns.</param>
    /// <param name="probabilities">[N, C] probabilities; the prediction is each row's argmax.</param>
    /// <param name="targets">The actual class index of each item.</param>
    /// <param name="losses">Each item's loss.</param>
    /// <param name="paths">Each item's image path.</param>
    public ClassificationInterpretation(IReadOnlyList<string> vocab, float[,] probabilities, int[] targets, float[] losses, IReadOnlyList<string> paths)
        : this(vocab, Rows(probabilities), targets, losses, paths)
    {
    }

    /// <summary>Creates an interpretation from class probabilities.</summary>
    /// <param name="vocab">Class names, in the order of the probability columns.</param>
    /// <param name="probabilities">N rows of C probabilities; the prediction is each row's argmax.</param>
    /// <param name="targets">The actual class index of each item.</param>
    /// <param name="losses">Each item's loss.</param>
    /// <param name="paths">Each item's image path.</param>
    public ClassificationInterpretation(IReadOnlyList<string> vocab, float[][] probabilities, int[] targets, float[] losses, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(losses);
        Check(vocab, probabilities, targets, losses.Length, paths);

        Vocab = [.. vocab];
        _probabilities = [.. probabilities.Select(row => (float[])row.Clone())];
        _targets = (int[])targets.Clone();
        _losses = (float[])losses.Clone();
        Paths = [.. paths];
        _predictions = [.. _probabilities.Select(ArgMax)];
    }

    /// <summary>
    /// Creates an interpretation from raw model outputs: probabilities are their softmax and losses the
    /// cross-entropy of each item (fastai's default classification loss).
    /// </summary>
    /// <param name="vocab">Class names, in the order of the logit columns.</param>
    /// <param name="logits">N rows of C logits.</param>
    /// <param name="targets">The actual class index of each item.</param>
    /// <param name="paths">Each item's image path.</param>
    public static ClassificationInterpretation FromLogits(IReadOnlyList<string> vocab, float[][] logits, int[] targets, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Length != logits.Length)
            throw new ArgumentException($"{logits.Length} logit rows but {targets.Length} targets.", nameof(targets));
        // Checked before libtorch sees them, so a bad row or target gets the constructor's message, not libtorch's.
        Check(vocab, logits, targets, logits.Length, paths);
        using var scope = torch.NewDisposeScope();
        var z = torch.tensor(logits.SelectMany(row => row).ToArray(), [logits.Length, vocab.Count]);
        var probabilities = torch.nn.functional.softmax(z, 1).data<float>().ToArray();
        using var crossEntropy = new CrossEntropyLoss();
        var losses = crossEntropy.ItemLosses(z, torch.tensor(targets.Select(t => (long)t).ToArray())).data<float>().ToArray();
        return new ClassificationInterpretation(vocab, [.. probabilities.Chunk(vocab.Count)], targets, losses, paths);
    }

    /// <summary>One row of C values, a class index and a path per item, as every constructor needs.</summary>
    static void Check(IReadOnlyList<string> vocab, float[][] rows, int[] targets, int losses, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentOutOfRangeException.ThrowIfZero(vocab.Count);
        int n = rows.Length;
        if (targets.Length != n || losses != n || paths.Count != n)
            throw new ArgumentException(
                $"{n} probability rows but {targets.Length} targets, {losses} losses and {paths.Count} paths: one of each per item is needed.");
        for (int i = 0; i < n; i++)
        {
            if (rows[i] is null || rows[i].Length != vocab.Count)
                throw new ArgumentException($"Row {i} has {rows[i]?.Length ?? 0} probabilities for {vocab.Count} classes.", "probabilities");
            if ((uint)targets[i] >= (uint)vocab.Count)
                throw new ArgumentOutOfRangeException(nameof(targets), $"Target {targets[i]} of item {i} is not a class index below {vocab.Count}.");
        }
    }

    /// <summary>Class names.</summary>
    public IReadOnlyList<string> Vocab { get; }

    /// <summary>Each item's image path.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Each item's actual class index.</summary>
    public IReadOnlyList<int> Targets => _targets;

    /// <summary>Each item's predicted class index (the argmax of its probabilities).</summary>
    public IReadOnlyList<int> Predictions => _predictions;

    /// <summary>Each item's loss.</summary>
    public IReadOnlyList<float> Losses => _losses;

    /// <summary>Fraction of items predicted correctly.</summary>
    public double Accuracy => _targets.Length == 0 ? 0 : (double)_targets.Where((t, i) => t == _predictions[i]).Count() / _targets.Length;

    /// <summary>The probability the model gave item <paramref name="item"/> for class <paramref name="classIndex"/>.</summary>
    /// <param name="item">Item index.</param>
    /// <param name="classIndex">Class index.</param>
    public float Probability(int item, int classIndex) => _probabilities[item][classIndex];

    /// <summary>Counts per (actual, predicted) pair: rows are actual classes, columns predicted ones.</summary>
    public int[,] ConfusionMatrix()
    {
        var matrix = new int[Vocab.Count, Vocab.Count];
        for (int i = 0; i < _targets.Length; i++)
            matrix[_targets[i], _predictions[i]]++;
        return matrix;
    }

    /// <summary>The confusion matrix as an aligned text table, actual classes down, predicted across.</summary>
    public string ConfusionMatrixText()
    {
        var matrix = ConfusionMatrix();
        const string corner = "actual \\ predicted";
        int nameWidth = Math.Max(corner.Length, Vocab.Max(v => v.Length));
        var widths = Vocab.Select((v, j) => Math.Max(v.Length, Enumerable.Range(0, Vocab.Count).Max(i => Count(matrix[i, j]).Length))).ToArray();
        var text = new StringBuilder();
        text.Append(corner.PadRight(nameWidth));
        for (int j = 0; j < Vocab.Count; j++)
            text.Append("  ").Append(Vocab[j].PadLeft(widths[j]));
        text.Append('\n');
        for (int i = 0; i < Vocab.Count; i++)
        {
            text.Append(Vocab[i].PadRight(nameWidth));
            for (int j = 0; j < Vocab.Count; j++)
                text.Append("  ").Append(Count(matrix[i, j]).PadLeft(widths[j]));
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Saves the confusion matrix as a PNG in fastai's look: actual classes down, predicted across, each
    /// cell shaded on a white-to-blue scale by its count and labelled with it.
    /// </summary>
    /// <param name="pngPath">The PNG file to write; its folder is created.</param>
    public void PlotConfusionMatrix(string pngPath) => ConfusionMatrixPlot.Save(ConfusionMatrix(), Vocab, pngPath);

    /// <summary>
    /// The off-diagonal (actual, predicted) pairs seen at least <paramref name="minCount"/> times, most
    /// frequent first; ties in class-name order. As in fastai, 0 includes the pairs never seen.
    /// </summary>
    /// <param name="minCount">Smallest count to include.</param>
    public IReadOnlyList<(string Actual, string Predicted, int Count)> MostConfused(int minCount = 1)
    {
        var matrix = ConfusionMatrix();
        var pairs = new List<(string Actual, string Predicted, int Count)>();
        for (int i = 0; i < Vocab.Count; i++)
            for (int j = 0; j < Vocab.Count; j++)
                if (i != j && matrix[i, j] >= minCount)
                    pairs.Add((Vocab[i], Vocab[j], matrix[i, j]));
        return [.. pairs
            .OrderByDescending(p => p.Count)
            .ThenBy(p => p.Actual, StringComparer.Ordinal)
            .ThenBy(p => p.Predicted, StringComparer.Ordinal)];
    }

    /// <summary>Indices of the <paramref name="k"/> items with the highest loss, highest first (ties by index).</summary>
    /// <param name="k">How many; fewer when there are fewer items.</param>
    public IReadOnlyList<int> TopLossIndices(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        return [.. Enumerable.Range(0, _losses.Length).OrderByDescending(i => _losses[i]).ThenBy(i => i).Take(k)];
    }

    /// <summary>
    /// Saves the <paramref name="k"/> highest-loss images as a PNG grid, each captioned as fastai does:
    /// "prediction/actual / loss / probability of the prediction".
    /// </summary>
    /// <param name="k">How many images.</param>
    /// <param name="pngPath">The PNG file to write; its folder is created.</param>
    /// <param name="validationTransforms">The validation item transforms, so the images look as the model saw them.</param>
    public void PlotTopLosses(int k, string pngPath, IReadOnlyList<IItemTransform> validationTransforms)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentNullException.ThrowIfNull(validationTransforms);
        var indices = TopLossIndices(k);
        if (indices.Count == 0)
            throw new InvalidOperationException("There are no items to plot.");
        var context = ItemContext.Validation();
        var cells = indices.Select(i => (ItemPipeline.Load(Paths[i], validationTransforms, context), TopLossCaption(i))).ToList();
        // fastai lays the images out in a square-ish grid.
        ImageGrid.Save(cells, (int)Math.Ceiling(Math.Sqrt(cells.Count)), pngPath);
    }

    /// <summary>fastai's top-loss title for item <paramref name="item"/>, e.g. "teddy/grizzly / 2.31 / 0.90".</summary>
    internal string TopLossCaption(int item)
    {
        int predicted = _predictions[item];
        return string.Create(CultureInfo.InvariantCulture,
            $"{Vocab[predicted]}/{Vocab[_targets[item]]} / {_losses[item]:F2} / {_probabilities[item][predicted]:F2}");
    }

    /// <summary>Precision, recall, F1 and support of each class, in vocab order.</summary>
    public IReadOnlyList<ClassReport> ClassificationReport()
    {
        var matrix = ConfusionMatrix();
        var report = new List<ClassReport>(Vocab.Count);
        for (int c = 0; c < Vocab.Count; c++)
        {
            int correct = matrix[c, c], predicted = 0, support = 0;
            for (int k = 0; k < Vocab.Count; k++)
            {
                predicted += matrix[k, c];
                support += matrix[c, k];
            }

            // sklearn's zero_division default: an undefined ratio reports as 0, never NaN.
            double precision = predicted == 0 ? 0 : (double)correct / predicted;
            double recall = support == 0 ? 0 : (double)correct / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            report.Add(new ClassReport(Vocab[c], precision, recall, f1, support));
        }

        return report;
    }

    /// <summary>
    /// The classification report as sklearn's <c>classification_report</c> prints it: one line per class,
    /// then accuracy, macro and support-weighted averages, two decimals.
    /// </summary>
    public string ClassificationReportText()
    {
        var report = ClassificationReport();
        int total = report.Sum(r => r.Support);
        int width = Math.Max("weighted avg".Length, Vocab.Max(v => v.Length));
        var text = new StringBuilder();
        void Row(string name, string precision, string recall, string f1, string support) =>
            text.Append(name.PadLeft(width)).Append(' ')
                .Append(' ').Append(precision.PadLeft(9)).Append(' ').Append(recall.PadLeft(9))
                .Append(' ').Append(f1.PadLeft(9)).Append(' ').Append(support.PadLeft(9)).Append('\n');
        void Averages(string name, Func<ClassReport, double> weight)
        {
            double sum = report.Sum(weight);
            string Mean(Func<ClassReport, double> metric) => Fixed(sum == 0 ? 0 : report.Sum(r => weight(r) * metric(r)) / sum);
            Row(name, Mean(r => r.Precision), Mean(r => r.Recall), Mean(r => r.F1), Count(total));
        }

        Row("", "precision", "recall", "f1-score", "support");
        text.Append('\n');
        foreach (var r in report)
            Row(r.Class, Fixed(r.Precision), Fixed(r.Recall), Fixed(r.F1), Count(r.Support));
        text.Append('\n');
        Row("accuracy", "", "", Fixed(Accuracy), Count(total));
        Averages("macro avg", _ => 1);
        Averages("weighted avg", r => r.Support);
        return text.ToString();
    }

    static string Fixed(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    static int ArgMax(float[] row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++)
            if (row[c] > row[best])
                best = c;
        return best;
    }

    static float[][] Rows(float[,] probabilities)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        var rows = new float[probabilities.GetLength(0)][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new float[probabilities.GetLength(1)];
            for (int c = 0; c < rows[i].Length; c++)
                rows[i][c] = probabilities[i, c];
        }

        return rows;
    }
}
