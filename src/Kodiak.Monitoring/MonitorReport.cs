namespace Kodiak.Monitoring;

/// <summary>
/// What served predictions did over a time range: each class's count and share against a baseline, the out-of-domain
/// rate, confidence, latency and traffic, in hour and day buckets, and the alarms they raise. Build one with
/// <see cref="ReadAsync"/> (from a log) or <see cref="Build"/> (from rows at hand).
/// </summary>
/// <example><code>
/// var report = await MonitorReport.ReadAsync(log, now.AddDays(-7), now, now, MonitorBaseline.FromManifest(manifest));
/// foreach (var alarm in report.Alarms) Console.WriteLine(alarm.Message);
/// </code></example>
/// <param name="From">The range asked for: its first instant.</param>
/// <param name="To">The range asked for: the first instant left out.</param>
/// <param name="Start">The first bucket's start: the range's start, or the first prediction's hour when the range starts long before it.</param>
/// <param name="End">The last bucket's end.</param>
/// <param name="Model">The model reported on, or null for all.</param>
/// <param name="Total">Predictions reported on.</param>
/// <param name="RequestsPerSecond">Predictions per second from <paramref name="Start"/> to <paramref name="End"/>.</param>
/// <param name="Classes">Each class (predicted, or in the baseline), by name.</param>
/// <param name="OutOfDomain">Predictions flagged out of domain.</param>
/// <param name="OutOfDomainRate">Their share of the predictions whose model has calibration, or null when none has.</param>
/// <param name="MeanConfidence">The mean probability of the predicted class, or null without predictions.</param>
/// <param name="LatencyP50Ms">The median latency (within 2%), or null without predictions.</param>
/// <param name="LatencyP95Ms">The 95th-percentile latency (within 2%), or null without predictions.</param>
/// <param name="Hours">Hour buckets (longer ones when the range is longer than <see cref="MonitorOptions.MaxBuckets"/> hours); alarms are judged on them.</param>
/// <param name="Days">Day buckets (longer ones when the range is longer than <see cref="MonitorOptions.MaxBuckets"/> days).</param>
/// <param name="Baseline">What shares are compared with, or null (then shares raise no alarm).</param>
/// <param name="Alarms">The alarms, by start.</param>
/// <param name="Messages">What a person should know about the report itself: an empty range, longer buckets, rows from a clock that jumped.</param>
/// <param name="FutureRows">Rows dated past the report's "now" (a clock that jumped ahead), left out.</param>
/// <param name="OutOfOrderRows">Rows dated before a row logged earlier (a clock that jumped back); they are reported at their own time.</param>
public sealed record MonitorReport(
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset Start,
    DateTimeOffset End,
    string? Model,
    int Total,
    double RequestsPerSecond,
    IReadOnlyList<ClassShare> Classes,
    int OutOfDomain,
    double? OutOfDomainRate,
    double? MeanConfidence,
    double? LatencyP50Ms,
    double? LatencyP95Ms,
    MonitorSeries Hours,
    MonitorSeries Days,
    MonitorBaseline? Baseline,
    IReadOnlyList<MonitorAlarm> Alarms,
    IReadOnlyList<string> Messages,
    int FutureRows,
    int OutOfOrderRows)
{
    /// <summary>The accuracy people's reviews give for the range (<see cref="IReviewQueue.AccuracyAsync"/>), or null without a review queue.</summary>
    public ReviewAccuracy? Accuracy { get; init; }

    /// <summary>Reads the rows of [<paramref name="from"/>, <paramref name="to"/>) from <paramref name="source"/> and reports on them.</summary>
    /// <param name="source">The log.</param>
    /// <param name="from">The range's first instant.</param>
    /// <param name="to">The first instant left out.</param>
    /// <param name="now">The present: rows dated past it come from a clock that jumped ahead.</param>
    /// <param name="baseline">What class shares are compared with; null: shares raise no alarm.</param>
    /// <param name="options">Thresholds and filters; null: the defaults.</param>
    /// <param name="cancellation">Stops the reading.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static async Task<MonitorReport> ReadAsync(IPredictionSource source, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now,
        MonitorBaseline? baseline = null, MonitorOptions? options = null, CancellationToken cancellation = default)
    {
        var builder = new MonitorReportBuilder(from, to, now, baseline, options ?? new MonitorOptions());
        if (from < to)
        {
            await foreach (var row in source.ReadAsync(from, to, cancellation).WithCancellation(cancellation))
                builder.Add(row);
        }

        return builder.Build();
    }

    /// <summary>Reports on the rows of [<paramref name="from"/>, <paramref name="to"/>) among <paramref name="rows"/>.</summary>
    /// <param name="rows">The rows, in the order they were logged.</param>
    /// <param name="from">The range's first instant.</param>
    /// <param name="to">The first instant left out.</param>
    /// <param name="now">The present: rows dated past it come from a clock that jumped ahead.</param>
    /// <param name="baseline">What class shares are compared with; null: shares raise no alarm.</param>
    /// <param name="options">Thresholds and filters; null: the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public static MonitorReport Build(IEnumerable<LoggedPrediction> rows, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now,
        MonitorBaseline? baseline = null, MonitorOptions? options = null)
    {
        var builder = new MonitorReportBuilder(from, to, now, baseline, options ?? new MonitorOptions());
        foreach (var row in rows)
            builder.Add(row);
        return builder.Build();
    }
}
