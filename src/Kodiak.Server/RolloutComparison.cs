namespace Kodiak.Server;

/// <summary>
/// Keeps the last <see cref="Capacity"/> predictions in memory (a summary of each, no image) to compare the primary
/// with its candidate on the same requests: agreement and the label-by-label confusion (from a shadow, which predicts
/// the requests the primary answers), and each model's out-of-domain rate, confidence and latency.
/// </summary>
internal sealed class RolloutComparison : IPredictionSink
{
    /// <summary>Most predictions kept: bounds memory, and makes the comparison one of recent traffic.</summary>
    public const int Capacity = 10_000;

    readonly Lock _lock = new();
    readonly Queue<Seen> _seen = new();

    public string Name => "rollout-comparison";

    public bool WantsFeatures => false;

    public ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
    {
        lock (_lock)
        {
            foreach (var r in records)
            {
                _seen.Enqueue(new Seen(r.RequestId, r.Time, r.ModelId, r.ModelVersion, r.Label, r.Probabilities.Values.DefaultIfEmpty(0).Max(), r.OutOfDomain,
                    r.Latency.TotalMilliseconds));
                if (_seen.Count > Capacity)
                    _seen.Dequeue();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The comparison of <paramref name="state"/>'s primary with its candidate (or, after a promote, the previous primary).</summary>
    public RolloutReport Report(RolloutState state)
    {
        Seen[] seen;
        lock (_lock)
            seen = [.. _seen];
        var primary = state.Primary;
        var (other, role) = state.Candidate is { } candidate ? (candidate.Model, KodiakMetrics.RoleTag(candidate.Role)) : (state.Models[1], "previous");
        // A request's two predictions share its id and admission time (an id a caller reused has another time).
        var pairs = seen.GroupBy(s => (s.RequestId, s.Time))
            .Select(g => (Primary: g.FirstOrDefault(s => s.Is(primary)), Other: g.FirstOrDefault(s => s.Is(other))))
            .Where(p => p.Primary is not null && p.Other is not null && !ReferenceEquals(p.Primary, p.Other))
            .ToArray();
        var confusion = pairs.GroupBy(p => (p.Primary!.Label, p.Other!.Label))
            .Select(g => new LabelPair(g.Key.Item1, g.Key.Item2, g.Count()))
            .OrderByDescending(p => p.Count).ThenBy(p => p.Primary, StringComparer.Ordinal).ThenBy(p => p.Candidate, StringComparer.Ordinal)
            .ToArray();
        return new RolloutReport(
            Stats(primary, "primary", seen), Stats(other, role, seen), pairs.Length,
            pairs.Length == 0 ? null : pairs.Count(p => p.Primary!.Label == p.Other!.Label) / (double)pairs.Length,
            confusion, Capacity,
            pairs.Length == 0 ? "No request was predicted by both models yet: agreement needs a shadow (--shadow), which predicts the requests the primary answers; a canary answers requests of its own." : null);
    }

    static ModelStats Stats(ServedModel model, string role, Seen[] seen)
    {
        var mine = seen.Where(s => s.Is(model)).ToArray();
        var calibrated = mine.Where(s => s.OutOfDomain is not null).ToArray();
        var latencies = mine.Select(s => s.LatencyMs).Order().ToArray();
        return new ModelStats(model.Name, model.Version, role, mine.Length,
            calibrated.Length == 0 ? null : calibrated.Count(s => s.OutOfDomain == true) / (double)calibrated.Length,
            mine.Length == 0 ? null : mine.Average(s => s.Confidence),
            Percentile(latencies, 0.5), Percentile(latencies, 0.95));
    }

    /// <summary>The nearest-rank percentile of sorted values, or null for none.</summary>
    static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>What is kept of one prediction.</summary>
    /// <remarks>By name and version: two bundles of the same ONNX model (trained on other folders) are told apart by their names.</remarks>
    sealed record Seen(string RequestId, DateTimeOffset Time, string Model, string Version, string Label, float Confidence, bool? OutOfDomain, double LatencyMs)
    {
        public bool Is(ServedModel model) => Model == model.Name && Version == model.Sha256;
    }
}

/// <summary>The answer to <c>GET /api/rollout</c>, over the last <see cref="RolloutComparison.Capacity"/> predictions.</summary>
/// <param name="Primary">The primary's numbers.</param>
/// <param name="Candidate">The candidate's (role shadow or canary), or after a promote the previous primary's (role previous).</param>
/// <param name="Compared">Requests both predicted.</param>
/// <param name="Agreement">The share of those where both gave the same label; null when none.</param>
/// <param name="Confusion">Per pair of labels (primary's, candidate's), how many of those requests.</param>
/// <param name="Window">Most predictions kept.</param>
/// <param name="Note">Why there is no agreement yet, or null.</param>
internal sealed record RolloutReport(ModelStats Primary, ModelStats Candidate, int Compared, double? Agreement, IReadOnlyList<LabelPair> Confusion, int Window, string? Note);

/// <summary>One model's predictions in the window.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Role">primary, shadow, canary or previous.</param>
/// <param name="Count">Its predictions.</param>
/// <param name="OutOfDomainRate">The share flagged out of domain, of calibrated predictions; null without any.</param>
/// <param name="MeanConfidence">The mean top probability; null without predictions.</param>
/// <param name="LatencyP50Ms">Median latency from admission, ms.</param>
/// <param name="LatencyP95Ms">95th percentile latency, ms.</param>
internal sealed record ModelStats(string Name, string Version, string Role, int Count, double? OutOfDomainRate, double? MeanConfidence, double? LatencyP50Ms, double? LatencyP95Ms);

/// <summary>How many compared requests got <paramref name="Primary"/> from the primary and <paramref name="Candidate"/> from the candidate.</summary>
internal sealed record LabelPair(string Primary, string Candidate, int Count);
