namespace Kodiak.Training.Optimisation;

/// <summary>
/// A learning rate for a set of parameter groups, as fastai's <c>lr_max</c> argument: a single number
/// (every group gets it), <c>slice(hi)</c> (see <see cref="UpTo"/>) or <c>slice(lo, hi)</c>
/// (geometric steps from <paramref name="Lo"/> to <paramref name="Hi"/>).
/// </summary>
/// <param name="Lo">Rate of the first group; null means fastai's <c>slice(None, hi)</c>.</param>
/// <param name="Hi">Rate of the last group.</param>
public sealed record LrRange(double? Lo, double Hi)
{
    /// <summary>One rate for every group (fastai's float <c>lr_max</c>).</summary>
    /// <param name="lr">The learning rate.</param>
    public static implicit operator LrRange(double lr) => new(lr, lr);

    /// <summary>fastai's <c>slice(hi)</c>: the last group gets <paramref name="hi"/>, all others <c>hi / 10</c>.</summary>
    /// <param name="hi">Rate of the last group.</param>
    public static LrRange UpTo(double hi) => new(null, hi);

    /// <summary>The rate of each of <paramref name="groups"/> parameter groups, first group first (fastai's <c>Optimizer.set_hyper</c>).</summary>
    /// <param name="groups">Number of parameter groups; at least 1.</param>
    public double[] ForGroups(int groups)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (Lo is double lo)
            return LearningRates.Spread(lo, Hi, groups);
        var lrs = Enumerable.Repeat(Hi / 10, groups).ToArray();
        lrs[^1] = Hi;
        return lrs;
    }
}
