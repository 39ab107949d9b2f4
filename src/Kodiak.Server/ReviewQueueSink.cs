using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>
/// The prediction sink that queues answers for review (<see cref="ReviewRules"/>) with their image, in the review queue of
/// the prediction log's database. It asks for every image, and keeps only those of queued answers. A write that fails
/// throws, and the sink writer counts its records as dropped: the queue is a sample, and missing a few does not bias it.
/// </summary>
internal sealed class ReviewQueueSink : IPredictionSink, IDisposable, IAsyncDisposable
{
    /// <summary>The sink's name in metrics, logs and <c>/healthz</c>.</summary>
    public const string SinkName = "review-queue";

    readonly ReviewRules _rules;
    readonly bool _owned;

    /// <summary>Uses <paramref name="log"/>'s queue when that log keeps one (Kodiak's SQL logs do), else opens the queue in <see cref="ServeOptions.Log"/>.</summary>
    /// <param name="options">The review rules and the log.</param>
    /// <param name="random">The sample's draw.</param>
    /// <param name="log">The prediction log the server has opened already, or null: one database opened and migrated once, not twice.</param>
    /// <exception cref="ArgumentException">The log cannot be opened; the message names the option.</exception>
    public ReviewQueueSink(ServeOptions options, Random random, IPredictionLog? log = null)
    {
        _rules = new ReviewRules(options.ReviewBelow, options.ReviewSample, random);
        _owned = log is not IReviewQueue;
        Queue = log as IReviewQueue ?? PredictionLogSink.OpenLog(options, PredictionLog.OpenReviewQueue, "the review queue");
    }

    public string Name => SinkName;

    public bool WantsFeatures => false;

    public bool WantsImage => true;

    /// <summary>The queue written to.</summary>
    public IReviewQueue Queue { get; }

    public async ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
    {
        var items = new List<ReviewItem>();
        foreach (var record in records)
        {
            var reasons = _rules.Why(record);
            if (reasons != ReviewReasons.None)
            {
                items.Add(new ReviewItem(0, record.Time.ToUniversalTime(), record.RequestId, record.ModelId, record.ModelVersion, record.Label,
                    record.Probabilities, record.OutOfDomainScore, record.OutOfDomain, reasons, record.ImageSha256)
                { Image = record.Image });
            }
        }

        await Queue.AddAsync(items, cancellation);
    }

    // A shared log is the log sink's to close.
    public void Dispose()
    {
        if (_owned)
            Queue.Dispose();
    }

    public ValueTask DisposeAsync() => _owned ? Queue.DisposeAsync() : ValueTask.CompletedTask;
}
