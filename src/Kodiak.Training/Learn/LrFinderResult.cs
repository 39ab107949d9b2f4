using Kodiak.Vision.Plots;

namespace Kodiak.Training.Learn;

/// <summary>
/// What <see cref="Learner.LrFind"/> swept — the smoothed loss at each learning rate — and fastai's three
/// suggestions read off that curve.
/// </summary>
public sealed class LrFinderResult
{
    // fastai ignores the first tenth of the sweep (still at the starting loss) and the last few points (diverging).
    const int SkipEnd = 5;

    internal LrFinderResult(IReadOnlyList<double> learningRates, IReadOnlyList<double> losses, int iterations)
    {
        LearningRates = learningRates;
        Losses = losses;
        var (lrs, trimmed) = Trim(learningRates, losses, iterations);
        if (lrs.Count < 2)
            throw new InvalidDataException($"The learning-rate sweep stopped after {learningRates.Count} batches, too few to suggest a rate; use more iterations or a smaller batch size.");
        Valley = LrSuggestions.Valley(lrs, trimmed);
        Steep = LrSuggestions.Steep(lrs, trimmed);
        Minimum = LrSuggestions.MinimumOverTen(lrs, trimmed);
    }

    /// <summary>The learning rate of each batch of the sweep.</summary>
    public IReadOnlyList<double> LearningRates { get; }

    /// <summary>The smoothed training loss after each batch.</summary>
    public IReadOnlyList<double> Losses { get; }

    /// <summary>fastai's default suggestion: a point in the longest stretch where the loss keeps falling.</summary>
    public double Valley { get; }

    /// <summary>Where the loss falls fastest.</summary>
    public double Steep { get; }

    /// <summary>One tenth of the rate with the lowest loss (the book's rule of thumb).</summary>
    public double Minimum { get; }

    /// <summary>Saves the loss against the learning rate (log scale), the suggestions marked, as PNG.</summary>
    /// <param name="path">The PNG file.</param>
    public void Plot(string path)
    {
        int shown = Math.Max(2, LearningRates.Count - SkipEnd);
        var curve = LearningRates.Take(shown).Zip(Losses).ToList();
        LinePlot.Save(path, "Learning rate finder", "learning rate (log scale)", "loss",
        [
            ("loss", curve),
            ($"valley {Valley:0.##e0}", [Nearest(Valley)]),
            ($"steep {Steep:0.##e0}", [Nearest(Steep)]),
            ($"min/10 {Minimum:0.##e0}", [Nearest(Minimum)]),
        ], logX: true);
    }

    (double, double) Nearest(double lr)
    {
        int i = Enumerable.Range(0, LearningRates.Count).MinBy(i => Math.Abs(Math.Log(LearningRates[i] / lr)));
        return (LearningRates[i], Losses[i]);
    }

    static (IReadOnlyList<double> Lrs, IReadOnlyList<double> Losses) Trim(IReadOnlyList<double> lrs, IReadOnlyList<double> losses, int iterations)
    {
        int from = iterations / 10, to = lrs.Count - SkipEnd;
        // A sweep stopped early leaves too little to trim; fall back to everything it has.
        if (to - from < 2) (from, to) = (0, lrs.Count);
        int firstNaN = Enumerable.Range(from, to - from).FirstOrDefault(i => !double.IsFinite(losses[i]), to);
        return ([.. lrs.Skip(from).Take(firstNaN - from)], [.. losses.Skip(from).Take(firstNaN - from)]);
    }
}

/// <summary>fastai's learning-rate suggestion functions (<c>valley</c>, <c>steep</c>, <c>minimum</c>).</summary>
internal static class LrSuggestions
{
    /// <summary>fastai's <c>valley</c>: the longest decreasing run of losses, and a rate half-way through its middle third.</summary>
    public static double Valley(IReadOnlyList<double> lrs, IReadOnlyList<double> losses)
    {
        int n = losses.Count, maxStart = 0, maxEnd = 0;
        var lengths = Enumerable.Repeat(1, n).ToArray();
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                if (losses[i] < losses[j] && lengths[i] < lengths[j] + 1) lengths[i] = lengths[j] + 1;
                if (lengths[maxEnd] < lengths[i])
                {
                    maxEnd = i;
                    maxStart = maxEnd - lengths[maxEnd];
                }
            }
        double sections = (maxEnd - maxStart) / 3.0;
        int index = maxStart + (int)sections + (int)(sections / 2);
        // fastai's arithmetic can land one before the run when it starts at the first point.
        return lrs[Math.Clamp(index, 0, n - 1)];
    }

    /// <summary>The rate where the loss falls fastest per unit of log learning rate.</summary>
    public static double Steep(IReadOnlyList<double> lrs, IReadOnlyList<double> losses) =>
        lrs[Enumerable.Range(0, lrs.Count - 1).MinBy(i => (losses[i + 1] - losses[i]) / (Math.Log(lrs[i + 1]) - Math.Log(lrs[i])))];

    /// <summary>The rate with the lowest loss, divided by 10.</summary>
    public static double MinimumOverTen(IReadOnlyList<double> lrs, IReadOnlyList<double> losses) =>
        lrs[Enumerable.Range(0, lrs.Count).MinBy(i => losses[i])] / 10;
}
