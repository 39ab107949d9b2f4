using Kodiak.Vision.Codecs;

namespace Kodiak.Server;

/// <summary>
/// What <c>kodiak serve</c> serves and its limits. Every limit bounds memory: at most <see cref="QueueCapacity"/>
/// uploads of at most <see cref="MaxUploadBytes"/> are held at once, and no image larger than
/// <see cref="MaxImagePixels"/> is decoded.
/// </summary>
public sealed class ServeOptions
{
    /// <summary>The <c>.kodiak</c> bundle to serve.</summary>
    public string Model { get; set; } = "";

    /// <summary>Largest request body accepted, in bytes (20 MB, at most 2 GB); larger uploads get 413.</summary>
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>
    /// How long an upload may take to arrive (30 s); slower ones get 408. A request holds one of the
    /// <see cref="QueueCapacity"/> places while its upload arrives, so this bounds how long slow clients can hold them.
    /// </summary>
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest image, in pixels as stored in its header (Kodiak.Vision's 100 megapixels); larger ones get 400.</summary>
    public long MaxImagePixels { get; set; } = DecodeOptions.Default.MaxPixels;

    /// <summary>Most images the micro-batcher sends through the model at once (16); 1 turns micro-batching off.</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>How long the micro-batcher waits for more requests after the first one of a batch arrives (5 ms).</summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most prediction requests admitted at once, queued or running (64); beyond that, 503 with Retry-After.</summary>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>
    /// Most prediction records waiting for each <see cref="IPredictionSink"/> (1024); when a sink falls that far behind,
    /// new records for it are dropped and counted instead of slowing predictions.
    /// </summary>
    public int SinkQueueCapacity { get; set; } = 1024;

    /// <summary>
    /// How long a stop (SIGTERM, Ctrl+C) may take, 25 s: the server stops accepting at once, requests in flight are
    /// answered, then the queued prediction records are written; whatever is left when the time is over is cancelled (and
    /// counted). Under Kubernetes' default 30 s grace period with a 5 s <c>preStop</c> pause.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Threads ONNX Runtime uses inside one batch; null: one per core.</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>
    /// The model variant served (<c>--precision</c>): <c>int8</c> or <c>fp32</c>; null serves int8 when the bundle has it,
    /// else fp32 (see <see cref="Kodiak.Inference.PredictorOptions.Variant"/>).
    /// </summary>
    public string? Precision { get; set; }

    /// <summary>
    /// The prediction log (<c>--log</c>): a SQLite file, or a PostgreSQL connection string (<c>Host=…;Database=…</c>); null: none.
    /// Written by the sink that <see cref="PredictionLogServing.AddPredictionLog"/> registers.
    /// </summary>
    public string? Log { get; set; }

    /// <summary>
    /// Whether an answer waits until its prediction log row is committed (<c>--log-before-answer</c>), so that a replica
    /// killed at any moment has logged every prediction it answered; each answer waits for the log's next write (about
    /// 200 ms more), and one the log lost is answered 503 (a proxy retries it on another replica). Needs <see cref="Log"/>.
    /// </summary>
    public bool LogBeforeAnswer { get; set; }

    /// <summary>Days the prediction log keeps its rows (<c>--log-days</c>); older ones are deleted. Null: kept for ever.</summary>
    public int? LogDays { get; set; }

    /// <summary>A folder where each uploaded image is kept, named by its SHA-256 (<c>--keep-images</c>); null: images are not kept.</summary>
    public string? KeepImages { get; set; }

    /// <summary>Whether answers are queued for review at <c>/review</c> (<c>--review</c>), kept in the prediction log's database.</summary>
    public bool Review { get; set; }

    /// <summary>Answers less confident than this go to the review queue (<c>--review-below 0.6</c>); null: no bound.</summary>
    public double? ReviewBelow { get; set; }

    /// <summary>The share of answers queued at random (<c>--review-sample</c>, 0.01): the manual process in parallel.</summary>
    public double ReviewSample { get; set; } = 0.01;

    /// <summary>
    /// The admin token of the monitor, review and rollout endpoints; null: a random one per process. Replicas behind one
    /// address need the same one (kodiak-serve reads it from the <c>AdminToken</c> environment variable, e.g. a Kubernetes Secret).
    /// </summary>
    public string? AdminToken { get; set; }

    /// <summary>Where the monitor POSTs each new alarm as JSON (<c>--alert-webhook URL</c>), or null.</summary>
    public Uri? AlertWebhook { get; set; }

    /// <summary>A candidate bundle that predicts every request off the answer path (<c>--shadow</c>); its predictions are only recorded. Null: none.</summary>
    public string? Shadow { get; set; }

    /// <summary>A candidate bundle that answers a share of the requests (<c>--canary</c>), sticky per source. Null: none.</summary>
    public string? Canary { get; set; }

    /// <summary>The share of sources, 0–100, the <see cref="Canary"/> answers (<c>--canary-percent</c>); null: all of <see cref="CanarySources"/>.</summary>
    public double? CanaryPercent { get; set; }

    /// <summary>When given, only these sources (<c>X-Kodiak-Source</c>) can be answered by the <see cref="Canary"/> (<c>--canary-sources</c>).</summary>
    public IReadOnlyList<string>? CanarySources { get; set; }

    /// <summary>Throws when a setting is out of range or no model is given, naming the setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("No model given: pass the .kodiak bundle to serve (--model MODEL.kodiak).", nameof(Model));
        if (MaxUploadBytes is < 1 or > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(MaxUploadBytes), MaxUploadBytes,
                $"The upload limit must be from 1 byte to {int.MaxValue} bytes (kodiak serve --max-upload-mb: more than 0 and under 2048).");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(UploadTimeout, TimeSpan.Zero, nameof(UploadTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxImagePixels, 1, nameof(MaxImagePixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1, nameof(MaxBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchWait, TimeSpan.Zero, nameof(MaxBatchWait));
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ShutdownTimeout, TimeSpan.Zero, nameof(ShutdownTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(SinkQueueCapacity, 1, nameof(SinkQueueCapacity));
        if (IntraOpThreads is int threads)
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(IntraOpThreads));
        if (LogDays is int days)
            ArgumentOutOfRangeException.ThrowIfLessThan(days, 1, nameof(LogDays));
        if (ReviewBelow is double below && below is not (> 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(ReviewBelow), below, "The review confidence bound (--review-below) must be more than 0 and at most 1.");
        if (ReviewSample is not (>= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(ReviewSample), ReviewSample, "The review sample (--review-sample) must be from 0 to 1.");
        if (Log is null && Review)
            throw new ArgumentException("The review queue is kept in the prediction log's database: give --log FILE.db or --log \"Host=…;Database=…\" too.", nameof(Log));
        if (Shadow is not null && Canary is not null)
            throw new ArgumentException("Give one candidate: --shadow or --canary, not both.", nameof(Shadow));
        if (Canary is null && (CanaryPercent is not null || CanarySources is not null))
            throw new ArgumentException("--canary-percent and --canary-sources work with a canary: give --canary CANDIDATE.kodiak too.", nameof(Canary));
        if (Canary is not null)
            CanarySplit.Of(CanaryPercent, CanarySources);
        if (Log is null && (LogDays is not null || KeepImages is not null || LogBeforeAnswer))
            throw new ArgumentException("--log-days, --keep-images and --log-before-answer work with the prediction log: give --log FILE.db or --log \"Host=…;Database=…\" too.", nameof(Log));
    }
}
