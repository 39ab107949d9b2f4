namespace Kodiak.Bench;

/// <summary>Summary statistics the benchmarks report.</summary>
internal static class Stats
{
    /// <summary>The nearest-rank percentile: the smallest value with at least <paramref name="q"/> of the values at or below it.</summary>
    /// <param name="values">The measurements, in any order.</param>
    /// <param name="q">The fraction, e.g. 0.95 for p95.</param>
    public static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }
}
