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

    /// <summary>Opens the queue in <see cref="ServeOptions.Log"/>.</summary>
    /// <exception cref="ArgumentException">The log cannot be opened; the message names the option.</exception>
    public ReviewQueueSink(ServeOptions options, Random random)
    {
        _rules = new ReviewRules(options.ReviewBelow, options.ReviewSample, random);
        Queue = PredictionLogSink.OpenLog(options, PredictionLog.OpenReviewQueue, "the review queue");
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

    public void Dispose() => Queue.Dispose();

    public ValueTask DisposeAsync() => Queue.DisposeAsync();
}
