namespace Kodiak.Monitoring;

/// <summary>
/// Latencies in logarithmic bins 2% wide: percentiles within 2% in memory bounded by the range of latencies, not by
/// the number of rows, so a report over millions of predictions keeps a few hundred counts.
/// </summary>
internal sealed class LatencySketch
{
    const double Smallest = 0.01;
    static readonly double LogRatio = Math.Log(1.02);

    readonly Dictionary<int, long> _bins = [];

    public long Count { get; private set; }

    public void Add(double ms)
    {
        // NaN, negative and tiny latencies all land in the first bin.
        int bin = ms > Smallest ? (int)Math.Ceiling(Math.Log(ms / Smallest) / LogRatio) : 0;
        _bins[bin] = _bins.GetValueOrDefault(bin) + 1;
        Count++;
    }

    public void Add(LatencySketch other)
    {
        foreach (var (bin, count) in other._bins)
            _bins[bin] = _bins.GetValueOrDefault(bin) + count;
        Count += other.Count;
    }

    /// <summary>The nearest-rank <paramref name="quantile"/> (0.5, 0.95) as its bin's upper edge, or null when empty.</summary>
    public double? Quantile(double quantile)
    {
        if (Count == 0)
            return null;
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        foreach (var (bin, count) in _bins.OrderBy(b => b.Key))
        {
            seen += count;
            if (seen >= rank)
                return Smallest * Math.Exp(bin * LogRatio);
        }

        return null;
    }
}
