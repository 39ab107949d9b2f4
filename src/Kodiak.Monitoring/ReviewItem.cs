namespace Kodiak.Monitoring;

/// <summary>A prediction queued for a person to check, and that person's review once given.</summary>
/// <param name="Id">The item's number in the queue (0 for an item not yet added).</param>
/// <param name="Time">When the request was admitted (UTC).</param>
/// <param name="RequestId">The request's id, as in the prediction log.</param>
/// <param name="ModelId">The model that answered.</param>
/// <param name="ModelVersion">The SHA-256 of the model's ONNX.</param>
/// <param name="Label">The predicted class.</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
/// <param name="OutOfDomainScore">The out-of-domain score, or null for a model without calibration.</param>
/// <param name="OutOfDomain">Whether that score passed the threshold, or null.</param>
/// <param name="Reasons">Why it was queued.</param>
/// <param name="ImageSha256">The SHA-256 of the image (hex).</param>
/// <param name="Status">Pending, or the review given.</param>
/// <param name="ReviewedLabel">The class the person gave (the model's label when confirmed), or null when pending or none of these.</param>
/// <param name="Reviewer">Who reviewed it, or null.</param>
/// <param name="ReviewedAt">When it was reviewed, or null.</param>
public sealed record ReviewItem(
    long Id,
    DateTimeOffset Time,
    string RequestId,
    string ModelId,
    string ModelVersion,
    string Label,
    IReadOnlyDictionary<string, float> Probabilities,
    double? OutOfDomainScore,
    bool? OutOfDomain,
    ReviewReasons Reasons,
    string ImageSha256,
    ReviewStatus Status = ReviewStatus.Pending,
    string? ReviewedLabel = null,
    string? Reviewer = null,
    DateTimeOffset? ReviewedAt = null)
{
    /// <summary>The uploaded bytes: given when adding, and read back only by the calls that say so; else empty.</summary>
    public ReadOnlyMemory<byte> Image { get; init; }
}
