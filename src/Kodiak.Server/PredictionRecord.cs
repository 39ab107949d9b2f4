namespace Kodiak.Server;

/// <summary>One prediction as the sinks receive it: one per model that predicted a request (the answer and each off-path model).</summary>
/// <param name="RequestId">The request's id (its <c>X-Request-Id</c>, else a generated one, also the request's trace identifier); the answer carries it too.</param>
/// <param name="Time">When the request was admitted.</param>
/// <param name="ModelId">The model's name (<see cref="ServedModel.Name"/>).</param>
/// <param name="ModelVersion">The SHA-256 of the model's ONNX (<see cref="ServedModel.Sha256"/>).</param>
/// <param name="Role">What the model did for the request.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
/// <param name="Features">The pooled features, only for a sink whose <see cref="IPredictionSink.WantsFeatures"/> is true (and a model that has them); else null.</param>
/// <param name="Latency">From the request's admission to this prediction, queueing included.</param>
/// <param name="SourceId">The caller-given source (<c>X-Kodiak-Source</c> header or <c>source</c> form field), or null.</param>
/// <param name="ImageSha256">The SHA-256 of the uploaded bytes (hex).</param>
/// <param name="OutOfDomainScore">The model's out-of-domain score (higher = stranger), or null for a model without calibration.</param>
/// <param name="OutOfDomain">Whether that score passed the model's threshold, or null for a model without calibration.</param>
public sealed record PredictionRecord(
    string RequestId,
    DateTimeOffset Time,
    string ModelId,
    string ModelVersion,
    ModelRole Role,
    string Label,
    IReadOnlyDictionary<string, float> Probabilities,
    IReadOnlyList<float>? Features,
    TimeSpan Latency,
    string? SourceId,
    string ImageSha256,
    double? OutOfDomainScore = null,
    bool? OutOfDomain = null)
{
    /// <summary>The uploaded bytes, only for a sink whose <see cref="IPredictionSink.WantsImage"/> is true; else empty.</summary>
    public ReadOnlyMemory<byte> Image { get; init; }

    /// <summary>
    /// Completed by the prediction log's sink once the row is committed (faulted when it is lost), when the answer waits
    /// for it (<see cref="ServeOptions.LogBeforeAnswer"/>); else null.
    /// </summary>
    internal TaskCompletionSource? Logged { get; init; }
}
