namespace Kodiak.Inference;

/// <summary>fastai's <c>predict</c> triple: the predicted class, its index, and every class's probability.</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Index">Index of <paramref name="Label"/> in <see cref="Predictor.Classes"/>.</param>
/// <param name="Probabilities">Probability of each class, in <see cref="Predictor.Classes"/> order; they sum to 1.</param>
public sealed record Prediction(string Label, int Index, IReadOnlyList<float> Probabilities)
{
    /// <summary>
    /// How unlike the training images this image is (higher = stranger; see <see cref="Predictor.OutOfDomainCalibration"/>);
    /// null when the bundle has no out-of-domain calibration (bundles exported before Kodiak had one).
    /// </summary>
    public double? OutOfDomainScore { get; init; }

    /// <summary>
    /// Whether the image does not look like any of the classes (<see cref="OutOfDomainScore"/> above the bundle's
    /// threshold), so <see cref="Label"/> should not be trusted; null when the bundle has no out-of-domain calibration.
    /// </summary>
    public bool? OutOfDomain { get; init; }
}
