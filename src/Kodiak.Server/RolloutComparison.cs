using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>
/// Keeps the last <see cref="Capacity"/> predictions in memory (a summary of each, no image) to compare the primary
/// with its candidate on the same requests: agreement, the label-by-label confusion and each one's accuracy on the
/// requests people reviewed (a shadow predicts the primary's requests; the primary predicts a canary's), and each
/// model's out-of-domain rate, confidence and latency.
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
                _seen.Enqueue(new Seen(r.RequestId, r.Time, r.ModelId, r.ModelVersion, r.Role, r.Label, r.Probabilities.Values.DefaultIfEmpty(0).Max(),
                    r.OutOfDomain, r.Latency.TotalMilliseconds));
                if (_seen.Count > Capacity)
                    _seen.Dequeue();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The comparison of <paramref name="state"/>'s primary with its candidate (or, after a promote, the previous primary),
    /// with the reviews in <paramref name="reviews"/> of the requests in the window, when there is a review queue.
    /// </summary>
    public async Task<RolloutReport> ReportAsync(RolloutState state, IReviewQueue? reviews, CancellationToken cancellation)
    {
        Seen[] seen;
        lock (_lock)
            seen = [.. _seen];
        var primary = state.Primary;
        var (other, role) = state.Candidate is { } candidate
            ? (candidate.Model, KodiakMetrics.RoleTag(candidate.Role))
            : (state.Previous?.Primary, "previous");
        if (other is null)
            return new RolloutReport(Stats(primary, "primary", seen, []), null, null, 0, null, [], Capacity,
                "No candidate: load one with kodiak rollout load URL CANDIDATE.kodiak --shadow (or --canary-percent N), or start the server with --shadow or --canary.");

        // A request's two predictions share its id and admission time (an id a caller reused has another time).
        var pairs = seen.GroupBy(s => s.Key)
            .Select(g => new Pair(g.FirstOrDefault(s => s.Is(primary))!, g.FirstOrDefault(s => s.Is(other))!))
            .Where(p => p.Primary is not null && p.Other is not null && !ReferenceEquals(p.Primary, p.Other))
            .ToArray();
        var verdicts = new Dictionary<(string, long), ReviewItem>();
        if (reviews is not null && pairs.Length > 0)
        {
            var times = pairs.Select(p => p.Primary.Time).ToArray();
            foreach (var item in await reviews.ReviewedBetweenAsync(times.Min(), times.Max().AddTicks(TimeSpan.TicksPerMicrosecond), cancellation))
                verdicts.TryAdd(Seen.KeyOf(item.RequestId, item.Time), item);
        }

        var reviewed = pairs.Where(p => verdicts.ContainsKey(p.Primary.Key)).Select(p => (p, verdicts[p.Primary.Key])).ToArray();
        var confusion = pairs.GroupBy(p => (p.Primary.Label, p.Other.Label))
            .Select(g => new LabelPair(g.Key.Item1, g.Key.Item2, g.Count()))
            .OrderByDescending(p => p.Count).ThenBy(p => p.Primary, StringComparer.Ordinal).ThenBy(p => p.Candidate, StringComparer.Ordinal)
            .ToArray();
        return new RolloutReport(
            Stats(primary, "primary", seen, [.. reviewed.Select(r => (r.p.Primary, r.Item2))]),
            Stats(other, role, seen, [.. reviewed.Select(r => (r.p.Other, r.Item2))]),
            state.Split is { } split ? new CanaryShare(split.Percent, split.Sources?.Order(StringComparer.Ordinal).ToArray()) : null,
            pairs.Length,
            pairs.Length == 0 ? null : pairs.Count(p => p.Primary.Label == p.Other.Label) / (double)pairs.Length,
            confusion, Capacity,
            pairs.Length == 0 ? "No request was predicted by both models yet: a shadow predicts every request the primary answers, the primary every request a canary answers." : null);
    }

    static ModelStats Stats(ServedModel model, string role, Seen[] seen, (Seen Prediction, ReviewItem Review)[] reviewed)
    {
        var mine = seen.Where(s => s.Is(model)).ToArray();
        var calibrated = mine.Where(s => s.OutOfDomain is not null).ToArray();
        // Latency is the caller's wait, so it is of answers; a shadow, which answers none, shows its own (from admission).
        var answers = mine.Where(s => s.Role != ModelRole.Shadow).ToArray();
        var latencies = (answers.Length > 0 ? answers : mine).Select(s => s.LatencyMs).Order().ToArray();
        return new ModelStats(model.Name, model.Version, role, mine.Length,
            calibrated.Length == 0 ? null : calibrated.Count(s => s.OutOfDomain == true) / (double)calibrated.Length,
            mine.Length == 0 ? null : mine.Average(s => s.Confidence),
            Percentile(latencies, 0.5), Percentile(latencies, 0.95),
            // Right when its label is the one the person gave ("none of these" is wrong for every model).
            ReviewAccuracy.Of(reviewed.Count(r => r.Review.Status != ReviewStatus.NoneOfThese && r.Review.ReviewedLabel == r.Prediction.Label), reviewed.Length));
    }

    /// <summary>The nearest-rank percentile of sorted values, or null for none.</summary>
    static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>A request both models predicted.</summary>
    sealed record Pair(Seen Primary, Seen Other);

    /// <summary>What is kept of one prediction.</summary>
    /// <remarks>By name and version: two bundles of the same ONNX model (trained on other folders) are told apart by their names.</remarks>
    sealed record Seen(string RequestId, DateTimeOffset Time, string Model, string Version, ModelRole Role, string Label, float Confidence, bool? OutOfDomain,
        double LatencyMs)
    {
        public (string, long) Key => KeyOf(RequestId, Time);

        /// <summary>The request's id and admission time to the microsecond, as the review queue stores it.</summary>
        public static (string, long) KeyOf(string requestId, DateTimeOffset time) => (requestId, time.UtcTicks / TimeSpan.TicksPerMicrosecond);

        public bool Is(ServedModel model) => Model == model.Name && Version == model.Sha256;
    }
}

/// <summary>The answer to <c>GET /api/rollout</c>, over the last <see cref="RolloutComparison.Capacity"/> predictions.</summary>
/// <param name="Primary">The primary's numbers.</param>
/// <param name="Candidate">The candidate's (role shadow or canary), or after a promote the previous primary's (role previous); null without either.</param>
/// <param name="Canary">A canary's share of the requests, or null for a shadow or none.</param>
/// <param name="Compared">Requests both predicted.</param>
/// <param name="Agreement">The share of those where both gave the same label; null when none.</param>
/// <param name="Confusion">Per pair of labels (primary's, candidate's), how many of those requests.</param>
/// <param name="Window">Most predictions kept.</param>
/// <param name="Note">Why there is no candidate or no agreement yet, or null.</param>
internal sealed record RolloutReport(ModelStats Primary, ModelStats? Candidate, CanaryShare? Canary, int Compared, double? Agreement, IReadOnlyList<LabelPair> Confusion, int Window, string? Note);

/// <summary>One model's predictions in the window.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Version">Its version.</param>
/// <param name="Role">primary, shadow, canary or previous.</param>
/// <param name="Count">Its predictions (answers and off-path ones).</param>
/// <param name="OutOfDomainRate">The share flagged out of domain, of calibrated predictions; null without any.</param>
/// <param name="MeanConfidence">The mean top probability; null without predictions.</param>
/// <param name="LatencyP50Ms">Median latency of its answers from admission, ms (of its off-path predictions when it answered none).</param>
/// <param name="LatencyP95Ms">95th percentile of the same, ms.</param>
/// <param name="Reviewed">Its accuracy on the compared requests people reviewed, with their count and a 95% Wilson interval: the same requests for both models.</param>
internal sealed record ModelStats(string Name, string Version, string Role, int Count, double? OutOfDomainRate, double? MeanConfidence, double? LatencyP50Ms,
    double? LatencyP95Ms, ReviewAccuracy Reviewed);

/// <summary>Which requests a canary answers.</summary>
/// <param name="Percent">The share of the sources, 0–100.</param>
/// <param name="Sources">When not null, only these sources.</param>
internal sealed record CanaryShare(double Percent, IReadOnlyList<string>? Sources);

/// <summary>How many compared requests got <paramref name="Primary"/> from the primary and <paramref name="Candidate"/> from the candidate.</summary>
internal sealed record LabelPair(string Primary, string Candidate, int Count);
