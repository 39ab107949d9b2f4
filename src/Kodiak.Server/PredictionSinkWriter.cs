using System.Numerics;
using System.Threading.Channels;

namespace Kodiak.Server;

/// <summary>
/// Feeds the registered <see cref="IPredictionSink"/>s in the background. Each sink has its own bounded queue and its own
/// loop, so a slow sink delays neither predictions nor the other sinks. A record is never waited for: when a sink's
/// queue is full it is dropped and counted, and so are the records a sink throws on; <see cref="Status"/>, the
/// <c>kodiak.sink.records_dropped</c> counter and the log say so.
/// </summary>
internal sealed partial class PredictionSinkWriter : IHostedService, IDisposable
{
    /// <summary>Most records handed to a sink in one call.</summary>
    const int MaxRecordsPerWrite = 256;

    readonly Lane[] _lanes;
    readonly KodiakMetrics _metrics;
    readonly ILogger _logger;
    readonly CancellationTokenSource _stopping = new();
    Task[] _pumps = [];

    readonly bool _answerAfterLog;

    /// <param name="sinks">The sinks to feed.</param>
    /// <param name="capacity">Most records waiting for each sink.</param>
    /// <param name="answerAfterLog">Whether <see cref="Write"/>'s task waits for the prediction log's commit (<see cref="ServeOptions.LogBeforeAnswer"/>).</param>
    /// <param name="metrics">Where drops are counted.</param>
    /// <param name="logger">Where drops are logged.</param>
    public PredictionSinkWriter(IEnumerable<IPredictionSink> sinks, int capacity, bool answerAfterLog, KodiakMetrics metrics, ILogger<PredictionSinkWriter> logger)
    {
        _answerAfterLog = answerAfterLog;
        _lanes = [.. sinks.Select(sink => new Lane(sink, Channel.CreateBounded<PredictionRecord>(
            new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait })))];
        _metrics = metrics;
        _logger = logger;
        WantsFeatures = _lanes.Any(l => l.Sink.WantsFeatures);
        WantsImages = _lanes.Any(l => l.Sink.WantsImage);
    }

    /// <summary>True when a sink is registered: without one, no record is made.</summary>
    public bool Any => _lanes.Length > 0;

    /// <summary>True when a sink needs the pooled features.</summary>
    public bool WantsFeatures { get; }

    /// <summary>True when a sink needs the uploaded bytes.</summary>
    public bool WantsImages { get; }

    /// <summary>Each sink's counts so far.</summary>
    public IReadOnlyList<SinkStatus> Status => [.. _lanes.Select(l => l.Status)];

    /// <summary>
    /// Queues the record for every sink (without features or image for those that do not want them); never waits. The
    /// task completes at once, or with <see cref="ServeOptions.LogBeforeAnswer"/> once the prediction log has committed
    /// the record (faulted when it was lost).
    /// </summary>
    public Task Write(PredictionRecord record)
    {
        var logged = Task.CompletedTask;
        foreach (var lane in _lanes)
        {
            var own = lane.Sink.WantsFeatures ? record : record with { Features = null };
            own = lane.Sink.WantsImage ? own : own with { Image = default };
            if (_answerAfterLog && lane.Sink is PredictionLogSink)
            {
                own = own with { Logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
                logged = own.Logged.Task;
            }

            if (!lane.Queue.Writer.TryWrite(own))
                Drop(lane, DropReason.QueueFull, [own], null);
        }

        return logged;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _pumps = [.. _lanes.Select(lane => Task.Run(() => Pump(lane), CancellationToken.None))];
        return Task.CompletedTask;
    }

    /// <summary>Lets every sink take what is queued until the host's shutdown time is over, then cancels them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var lane in _lanes)
            lane.Queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_pumps).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Out of time: sinks are cancelled, and what they still hold is counted as failed.
            await _stopping.CancelAsync();
        }
    }

    public void Dispose() => _stopping.Dispose();

    async Task Pump(Lane lane)
    {
        var reader = lane.Queue.Reader;
        var batch = new List<PredictionRecord>(MaxRecordsPerWrite);
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxRecordsPerWrite && reader.TryRead(out var record))
                batch.Add(record);
            try
            {
                await lane.Sink.WriteAsync([.. batch], _stopping.Token);
                Interlocked.Add(ref lane.Written, batch.Count);
            }
            catch (Exception e)
            {
                Drop(lane, DropReason.SinkFailed, batch, e);
            }

            batch.Clear();
        }
    }

    void Drop(Lane lane, string reason, IReadOnlyList<PredictionRecord> lost, Exception? error)
    {
        int records = lost.Count;
        foreach (var record in lost)
            record.Logged?.TrySetException(new IOException($"The prediction sink {lane.Sink.Name} lost the record ({reason}).", error));
        _metrics.Dropped(lane.Sink.Name, reason, records);
        if (error is not null)
        {
            Interlocked.Add(ref lane.Failed, records);
            LogSinkFailed(_logger, error, lane.Sink.Name, records);
        }
        // A full queue is logged at 1, 2, 4, 8… drops, so that a stalled sink cannot flood the log.
        else if (BitOperations.IsPow2(Interlocked.Add(ref lane.QueueFull, records)))
        {
            LogQueueFull(_logger, lane.Sink.Name, Volatile.Read(ref lane.QueueFull));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Prediction sink {Sink} threw: {Records} record(s) lost")]
    static partial void LogSinkFailed(ILogger logger, Exception error, string sink, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prediction sink {Sink} is not keeping up: its queue is full, {Dropped} record(s) dropped so far")]
    static partial void LogQueueFull(ILogger logger, string sink, long dropped);

    sealed class Lane(IPredictionSink sink, Channel<PredictionRecord> queue)
    {
        public long Written;
        public long QueueFull;
        public long Failed;

        public IPredictionSink Sink { get; } = sink;

        public Channel<PredictionRecord> Queue { get; } = queue;

        public SinkStatus Status => new(Sink.Name, Interlocked.Read(ref Written), Queue.Reader.Count, Interlocked.Read(ref QueueFull), Interlocked.Read(ref Failed));
    }
}

/// <summary>A sink's counts.</summary>
/// <param name="Name">The sink's name.</param>
/// <param name="Written">Records it took.</param>
/// <param name="Queued">Records waiting for it now.</param>
/// <param name="QueueFull">Records dropped because its queue was full.</param>
/// <param name="Failed">Records lost because it threw.</param>
internal sealed record SinkStatus(string Name, long Written, int Queued, long QueueFull, long Failed)
{
    public long Dropped => QueueFull + Failed;
}
