using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>
/// Which answers go to the review queue: out of domain, less confident than <see cref="ServeOptions.ReviewBelow"/>, or drawn
/// in the random sample of <see cref="ServeOptions.ReviewSample"/>. Shadow predictions answered no one and are never queued.
/// Not thread-safe (the sink writer calls one sink at a time).
/// </summary>
/// <param name="below">The confidence bound, or null for none.</param>
/// <param name="sample">The share of answers drawn at random (0–1).</param>
/// <param name="random">The draw; seeded in tests.</param>
internal sealed class ReviewRules(double? below, double sample, Random random)
{
    /// <summary>Why <paramref name="record"/> is queued; <see cref="ReviewReasons.None"/> when it is not.</summary>
    public ReviewReasons Why(PredictionRecord record)
    {
        if (record.Role == ModelRole.Shadow)
            return ReviewReasons.None;
        // Drawn for every answer, so that the sample is independent of the other rules.
        var reasons = random.NextDouble() < sample ? ReviewReasons.Sample : ReviewReasons.None;
        if (record.OutOfDomain == true)
            reasons |= ReviewReasons.OutOfDomain;
        if (below is { } bound && record.Probabilities.Count > 0 && record.Probabilities.Values.Max() < bound)
            reasons |= ReviewReasons.LowConfidence;
        return reasons;
    }
}
