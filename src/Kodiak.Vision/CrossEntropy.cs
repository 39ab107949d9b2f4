namespace Kodiak.Vision;

/// <summary>
/// The per-item loss where only probabilities are at hand (an exported model's output, a blend of augmented views):
/// the cross-entropy of the actual class, −ln p. Where logits are at hand, Kodiak.Training uses libtorch's cross-entropy,
/// which is the same loss (and the learner's own, label smoothing included).
/// </summary>
public static class CrossEntropy
{
    /// <summary>The floor of the probability, so a class given 0 has a large finite loss (about 27.6), not infinity.</summary>
    public const double MinProbability = 1e-12;

    /// <summary>−ln <paramref name="probability"/> (of the actual class), with the probability floored at <see cref="MinProbability"/>.</summary>
    /// <param name="probability">The probability the model gave the actual class.</param>
    public static double FromProbability(double probability) => -Math.Log(Math.Max(probability, MinProbability));
}
