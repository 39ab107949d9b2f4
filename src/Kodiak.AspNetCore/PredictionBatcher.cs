using System.Threading.Channels;
using Kodiak.Inference;
using Kodiak.Vision.Codecs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kodiak.AspNetCore;

/// <summary>
/// The micro-batcher: requests that arrive together go through the model as one batch. A batch starts with the first
/// waiting request and takes whatever else arrives within the wait, up to the batch size; it waits only while other
/// admitted requests are still on their way (uploading), so a request alone runs at once. Admission is bounded: at
/// most <c>capacity</c> requests hold a <see cref="Slot"/> (reading their upload, queued or predicting) at once, so
/// memory stays bounded under any load; a request that finds no free slot is turned away at once.
/// </summary>
public sealed class PredictionBatcher : BackgroundService
{
    readonly Func<IReadOnlyList<ImageSource>, IReadOnlyList<PredictionWithFeatures>> _predictBatch;
    readonly Action<int>? _batchRan;
    readonly int _maxBatchSize;
    readonly TimeSpan _maxWait;
    readonly Channel<Job> _queue;
    int _admitted;
    long _batches;
    long _images;
    int _largestBatch;

    /// <summary>A batcher around <paramref name="predictBatch"/>; it runs once started as a hosted service.</summary>
    /// <param name="predictBatch">The model: predictions (with features, or none) in the order of the images.</param>
    /// <param name="maxBatchSize">Most images in one call of <paramref name="predictBatch"/>.</param>
    /// <param name="maxWait">How long a batch waits for more requests that are on their way.</param>
    /// <param name="capacity">Most requests admitted at once.</param>
    /// <param name="batchRan">Told the size of every batch that ran (for the batch-size metric).</param>
    public PredictionBatcher(Func<IReadOnlyList<ImageSource>, IReadOnlyList<PredictionWithFeatures>> predictBatch, int maxBatchSize, TimeSpan maxWait,
        int capacity, Action<int>? batchRan = null)
    {
        _predictBatch = predictBatch;
        _batchRan = batchRan;
        _maxBatchSize = maxBatchSize;
        _maxWait = maxWait;
        Capacity = capacity;
        _queue = Channel.CreateBounded<Job>(new BoundedChannelOptions(capacity) { SingleReader = true });
    }

    /// <summary>Most requests admitted at once.</summary>
    public int Capacity { get; }

    /// <summary>Requests admitted now.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>Batches run, images predicted and the largest batch so far.</summary>
    public (long Batches, long Images, int LargestBatch) Statistics => (Interlocked.Read(ref _batches), Interlocked.Read(ref _images), Volatile.Read(ref _largestBatch));

    /// <summary>A slot for one request, or null when all <see cref="Capacity"/> are taken.</summary>
    public Slot? TryAdmit()
    {
        if (Interlocked.Increment(ref _admitted) <= Capacity)
            return new Slot(this);
        Interlocked.Decrement(ref _admitted);
        return null;
    }

    /// <summary>
    /// Healthy while the batcher runs and has room for one more request; <paramref name="ready"/> describes the healthy
    /// state, and the data carries the admitted requests and the capacity.
    /// </summary>
    /// <param name="model">The model's name, for the unhealthy descriptions.</param>
    /// <param name="ready">The healthy description.</param>
    public HealthCheckResult Readiness(string model, string ready)
    {
        var data = new Dictionary<string, object> { ["admitted"] = Admitted, ["capacity"] = Capacity };
        return ExecuteTask is not { IsCompleted: false } ? HealthCheckResult.Unhealthy($"{model} is not running.", data: data)
            : Admitted >= Capacity ? HealthCheckResult.Unhealthy("Every place in the queue is taken.", data: data)
            : HealthCheckResult.Healthy(ready, data);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Job>(_maxBatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                Collect(batch);
                if (_maxWait > TimeSpan.Zero && MoreMayCome(batch))
                    await WaitForMore(batch, stoppingToken);
                Run(batch);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: requests still queued are cancelled below.
        }
        finally
        {
            _queue.Writer.TryComplete();
            foreach (var job in batch)
                job.Result.TrySetCanceled(stoppingToken);
            while (_queue.Reader.TryRead(out var job))
                job.Result.TrySetCanceled(stoppingToken);
        }
    }

    void Collect(List<Job> batch)
    {
        while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var job))
            batch.Add(job);
    }

    /// <summary>Room in the batch, and requests admitted that are not in it yet.</summary>
    bool MoreMayCome(List<Job> batch) => batch.Count < _maxBatchSize && Admitted > batch.Count;

    async Task WaitForMore(List<Job> batch, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(_maxWait);
        try
        {
            while (MoreMayCome(batch) && await _queue.Reader.WaitToReadAsync(wait.Token))
                Collect(batch);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The wait is over: run what we have.
        }
    }

    void Run(List<Job> batch)
    {
        IReadOnlyList<PredictionWithFeatures> predictions;
        try
        {
            predictions = _predictBatch([.. batch.Select(j => j.Image)]);
        }
        catch (Exception) when (batch.Count > 1)
        {
            // One unreadable image fails the whole batch: predict each on its own so only that request fails.
            foreach (var job in batch)
                Run([job]);
            return;
        }
        catch (Exception e)
        {
            batch[0].Result.TrySetException(e);
            return;
        }

        // Only this loop writes the statistics; the atomics are for readers on other threads.
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _images, batch.Count);
        if (batch.Count > _largestBatch)
            Volatile.Write(ref _largestBatch, batch.Count);
        _batchRan?.Invoke(batch.Count);

        for (int i = 0; i < batch.Count; i++)
            batch[i].Result.TrySetResult(predictions[i]);
    }

    sealed record Job(ImageSource Image, TaskCompletionSource<PredictionWithFeatures> Result);

    /// <summary>One admitted request; disposing it frees the slot.</summary>
    public sealed class Slot(PredictionBatcher batcher) : IDisposable
    {
        bool _disposed;

        /// <summary>Queues the encoded image and completes with its prediction, or the reason it has none.</summary>
        public Task<PredictionWithFeatures> PredictAsync(ReadOnlyMemory<byte> image)
        {
            var job = new Job(ImageSource.FromBytes(image), new TaskCompletionSource<PredictionWithFeatures>(TaskCreationOptions.RunContinuationsAsynchronously));
            // Never full: every queued job holds one of the channel's `capacity` slots.
            if (!batcher._queue.Writer.TryWrite(job))
                job.Result.SetCanceled();
            return job.Result.Task;
        }

        /// <summary>Frees the slot (once; later calls do nothing).</summary>
        public void Dispose()
        {
            if (_disposed)
                return;
            _disposed = true;
            Interlocked.Decrement(ref batcher._admitted);
        }
    }
}
