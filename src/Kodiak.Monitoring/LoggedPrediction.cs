namespace Kodiak.Monitoring;

/// <summary>One row of the prediction log: a prediction as it was served, with what monitoring needs to watch it.</summary>
/// <param name="Time">When the request was admitted (UTC).</param>
/// <param name="RequestId">The request's id, as the answer carried it.</param>
/// <param name="ModelId">The model's name.</param>
/// <param name="ModelVersion">The SHA-256 of the model's ONNX.</param>
/// <param name="Role">What the model did for the request: <c>primary</c>, <c>canary</c> or <c>shadow</c>.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Probabilities">Every class's probability, by class name.</param>
/// <param name="OutOfDomainScore">The out-of-domain score (higher = stranger), or null for a model without calibration.</param>
/// <param name="OutOfDomain">Whether the score passed the model's threshold, or null for a model without calibration.</param>
/// <param name="LatencyMs">From admission to prediction, queueing included, in milliseconds.</param>
/// <param name="SourceId">The caller-given source (a camera, a shop, a client), or null.</param>
/// <param name="ImageSha256">The SHA-256 of the uploaded bytes (hex).</param>
/// <param name="ImagePath">Where the image was kept (only with <c>--keep-images</c>), or null.</param>
public sealed record LoggedPrediction(
    DateTimeOffset Time,
    string RequestId,
    string ModelId,
    string ModelVersion,
    string Role,
    string Label,
    IReadOnlyDictionary<string, float> Probabilities,
    double? OutOfDomainScore,
    bool? OutOfDomain,
    double LatencyMs,
    string? SourceId,
    string ImageSha256,
    string? ImagePath)
{
    /// <summary>The probability of the predicted class.</summary>
    public float Confidence => Probabilities.TryGetValue(Label, out float p) ? p : 0;
}
