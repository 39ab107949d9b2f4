namespace Kodiak.Monitoring;

/// <summary>The running counts of one bucket (or of a whole report) while rows are read.</summary>
internal sealed class BucketTally
{
    public int Count { get; private set; }

    public Dictionary<string, int> PerClass { get; } = [];

    public int OutOfDomain { get; private set; }

    /// <summary>Rows whose model has calibration (their out-of-domain flag is known).</summary>
    public int Calibrated { get; private set; }

    public double ConfidenceSum { get; private set; }

    public LatencySketch Latency { get; } = new();

    public void Add(LoggedPrediction row)
    {
        Count++;
        PerClass[row.Label] = PerClass.GetValueOrDefault(row.Label) + 1;
        if (row.OutOfDomain is bool flagged)
        {
            Calibrated++;
            if (flagged)
                OutOfDomain++;
        }

        ConfidenceSum += row.Confidence;
        Latency.Add(row.LatencyMs);
    }

    public void Add(BucketTally other)
    {
        Count += other.Count;
        foreach (var (label, count) in other.PerClass)
            PerClass[label] = PerClass.GetValueOrDefault(label) + count;
        OutOfDomain += other.OutOfDomain;
        Calibrated += other.Calibrated;
        ConfidenceSum += other.ConfidenceSum;
        Latency.Add(other.Latency);
    }

    public double? OutOfDomainRate => Calibrated > 0 ? (double)OutOfDomain / Calibrated : null;

    public double? MeanConfidence => Count > 0 ? ConfidenceSum / Count : null;

    public MonitorBucket ToBucket(DateTimeOffset start, TimeSpan size) =>
        new(start, Count, new Dictionary<string, int>(PerClass), OutOfDomain, OutOfDomainRate, MeanConfidence,
            Latency.Quantile(0.5), Latency.Quantile(0.95), Count / size.TotalSeconds);
}
