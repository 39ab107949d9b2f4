namespace Kodiak.Inference;

/// <summary>fastai's <c>predict</c> triple: the predicted class, its index, and every class's probability.</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Index">Index of <paramref name="Label"/> in <see cref="Predictor.Classes"/>.</param>
/// <param name="Probabilities">Probability of each class, in <see cref="Predictor.Classes"/> order; they sum to 1.</param>
public sealed record Prediction(string Label, int Index, IReadOnlyList<float> Probabilities);

/// <summary>A <see cref="Prediction"/> with the image's features (see <see cref="Predictor.PredictWithFeatures"/>).</summary>
/// <param name="Prediction">The predicted class and probabilities.</param>
/// <param name="Features">The body's pooled activations, <see cref="Predictor.FeatureCount"/> of them.</param>
public sealed record PredictionWithFeatures(Prediction Prediction, IReadOnlyList<float> Features);
