namespace Kodiak.Training.Optimisation;

/// <summary>Helpers for per-group learning rates.</summary>
public static class LearningRates
{
    /// <summary>
    /// fastai's <c>even_mults(lo, hi, groups)</c>: <c>lo * (hi / lo)^(i / (groups - 1))</c> for group
    /// <c>i</c>, so the rates step geometrically; a single group gets <paramref name="hi"/>.
    /// </summary>
    /// <param name="lo">Rate of the first group; positive.</param>
    /// <param name="hi">Rate of the last group; positive.</param>
    /// <param name="groups">Number of parameter groups; at least 1.</param>
    public static double[] Spread(double lo, double hi, int groups)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lo);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hi);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (groups == 1) return [hi];
        double ratio = hi / lo;
        return [.. Enumerable.Range(0, groups).Select(i => lo * Math.Pow(ratio, (double)i / (groups - 1)))];
    }
}
