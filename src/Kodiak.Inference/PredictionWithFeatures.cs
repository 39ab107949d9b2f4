namespace Kodiak.Inference;

/// <summary>A <see cref="Prediction"/> with the image's features (see <see cref="Predictor.PredictWithFeatures"/>).</summary>
/// <param name="Prediction">The predicted class and probabilities.</param>
/// <param name="Features">The body's pooled activations, <see cref="Predictor.FeatureCount"/> of them.</param>
public sealed record PredictionWithFeatures(Prediction Prediction, IReadOnlyList<float> Features)
{
    /// <summary>The model's logits, one per class in <see cref="Predictor.Classes"/> order (what the out-of-domain scores read).</summary>
    public IReadOnlyList<float> Logits { get; init; } = [];
}
