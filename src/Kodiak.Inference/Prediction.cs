namespace Kodiak.Inference;

/// <summary>fastai's <c>predict</c> triple: the predicted class, its index, and every class's probability.</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Index">Index of <paramref name="Label"/> in <see cref="Predictor.Classes"/>.</param>
/// <param name="Probabilities">Probability of each class, in <see cref="Predictor.Classes"/> order; they sum to 1.</param>
public sealed record Prediction(string Label, int Index, IReadOnlyList<float> Probabilities);
