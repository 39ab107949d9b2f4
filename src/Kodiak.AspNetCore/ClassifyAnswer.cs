using Kodiak.Inference;

namespace Kodiak.AspNetCore;

/// <summary>What <see cref="KodiakPredictEndpoints.MapKodiakPredict"/> answers (as JSON, camelCase).</summary>
/// <param name="Label">The most probable class.</param>
/// <param name="Probability">Its probability.</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
/// <param name="OutOfDomainScore">How unlike the training images the image is; null when the bundle has no calibration.</param>
/// <param name="OutOfDomain">Whether the label should not be trusted (the image looks like none of the classes); null without a calibration.</param>
public sealed record ClassifyAnswer(string Label, float Probability, IReadOnlyDictionary<string, float> Probabilities, double? OutOfDomainScore, bool? OutOfDomain)
{
    /// <summary>The answer for <paramref name="prediction"/> of a model with <paramref name="classes"/>.</summary>
    /// <param name="prediction">The prediction.</param>
    /// <param name="classes">The model's classes, in its order.</param>
    public static ClassifyAnswer From(Prediction prediction, IReadOnlyList<string> classes)
    {
        var probabilities = new Dictionary<string, float>(classes.Count);
        for (int i = 0; i < classes.Count; i++)
            probabilities[classes[i]] = prediction.Probabilities[i];
        return new ClassifyAnswer(prediction.Label, prediction.Probabilities[prediction.Index], probabilities, prediction.OutOfDomainScore, prediction.OutOfDomain);
    }
}
