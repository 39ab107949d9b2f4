namespace Kodiak.Monitoring;

/// <summary>The predictions of one time bucket.</summary>
/// <param name="Start">The bucket's first instant (UTC).</param>
/// <param name="Count">Predictions in it.</param>
/// <param name="PerClass">Predictions per predicted class (classes with none are left out).</param>
/// <param name="OutOfDomain">Predictions flagged out of domain.</param>
/// <param name="OutOfDomainRate">That share of the predictions whose model has calibration, or null when none has.</param>
/// <param name="MeanConfidence">The mean probability of the predicted class, or null for an empty bucket.</param>
/// <param name="LatencyP50Ms">The median latency, or null for an empty bucket.</param>
/// <param name="LatencyP95Ms">The 95th-percentile latency, or null for an empty bucket.</param>
/// <param name="RequestsPerSecond">Predictions per second over the bucket.</param>
public sealed record MonitorBucket(DateTimeOffset Start, int Count, IReadOnlyDictionary<string, int> PerClass, int OutOfDomain,
    double? OutOfDomainRate, double? MeanConfidence, double? LatencyP50Ms, double? LatencyP95Ms, double RequestsPerSecond);
