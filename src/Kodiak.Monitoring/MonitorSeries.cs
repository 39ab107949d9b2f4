namespace Kodiak.Monitoring;

/// <summary>A report's predictions over time, in buckets of one size (an hour, a day, or longer for a long range).</summary>
/// <param name="BucketSize">The length of every bucket.</param>
/// <param name="Buckets">Every bucket from the report's start to its end, the empty ones too, oldest first.</param>
public sealed record MonitorSeries(TimeSpan BucketSize, IReadOnlyList<MonitorBucket> Buckets);
