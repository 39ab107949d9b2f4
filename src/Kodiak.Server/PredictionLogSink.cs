using System.Data.Common;
using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>
/// The prediction sink that writes to an <see cref="IPredictionLog"/>. The sink writer hands it what has queued up since
/// the last write, and writes are at least <see cref="WriteEvery"/> apart (so rows are batched under load, and a row
/// waits at most that long plus a write); when the
/// database is down or slow it retries the same rows with backoff until it answers, while new records wait in the
/// writer's bounded queue, and those beyond its capacity are dropped and counted. With <see cref="ServeOptions.KeepImages"/>
/// each image is kept in that folder first, named by its SHA-256.
/// </summary>
internal sealed partial class PredictionLogSink : IPredictionSink, IDisposable, IAsyncDisposable
{
    /// <summary>The sink's name in metrics, logs and <c>/healthz</c>.</summary>
    public const string SinkName = "prediction-log";

    static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);
    static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>
    /// Least time from one write's start to the next: at load the records of that time go in one transaction instead of
    /// many small ones, and a killed server loses at most about this much (well under the second promised).
    /// </summary>
    static readonly TimeSpan WriteEvery = TimeSpan.FromMilliseconds(200);

    readonly TimeProvider _time;
    readonly ILogger _logger;
    readonly TimeSpan? _keep;
    readonly string? _images;
    DateTimeOffset _nextPrune = DateTimeOffset.MinValue;
    long _written;
    Failure? _failure;

    /// <summary>Opens the log (creating or migrating its schema) and the image folder.</summary>
    /// <exception cref="ArgumentException">Either cannot be opened; the message names the option.</exception>
    public PredictionLogSink(ServeOptions options, TimeProvider time, ILogger<PredictionLogSink> logger)
    {
        _time = time;
        _logger = logger;
        _keep = options.LogDays is int days ? TimeSpan.FromDays(days) : null;
        if (options.KeepImages is { } images)
        {
            try
            {
                _images = Directory.CreateDirectory(images).FullName;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new ArgumentException($"--keep-images {images}: the folder cannot be made: {e.Message}", e);
            }
        }

        Log = OpenLog(options, PredictionLog.Open, "the prediction log");
    }

    /// <summary>
    /// Opens what <see cref="ServeOptions.Log"/> names with <paramref name="open"/>, turning every way it can fail into an
    /// <see cref="ArgumentException"/> that names <c>--log</c>.
    /// </summary>
    internal static T OpenLog<T>(ServeOptions options, Func<string, T> open, string what)
    {
        string log = options.Log ?? throw new ArgumentException($"No prediction log given for {what} (--log FILE.db or --log \"Host=…;Database=…\").", nameof(ServeOptions.Log));
        try
        {
            return open(log);
        }
        catch (Exception e) when (e is ArgumentException or DbException or InvalidDataException or IOException or UnauthorizedAccessException or TimeoutException)
        {
            throw new ArgumentException($"--log: {what} cannot be opened: {e.Message}", e);
        }
    }

    public string Name => SinkName;

    public bool WantsFeatures => false;

    public bool WantsImage => _images is not null;

    /// <summary>The log written to.</summary>
    public IPredictionLog Log { get; }

    /// <summary>Rows written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Why the last write failed and since when, while the sink retries it; null while writes succeed.</summary>
    public Failure? Failing => Volatile.Read(ref _failure);

    public async ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
    {
        long started = _time.GetTimestamp();
        var rows = records.Select(Row).ToList();
        for (var wait = FirstRetry; ; wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LastRetry.Ticks)))
        {
            try
            {
                await Log.WriteAsync(rows, cancellation);
                break;
            }
            catch (Exception e) when (PredictionLog.IsTransient(e) && !cancellation.IsCancellationRequested)
            {
                var failure = _failure ?? new Failure(_time.GetUtcNow(), e.Message);
                Volatile.Write(ref _failure, failure with { Error = e.Message });
                LogRetrying(_logger, e, Log.Description, rows.Count, wait.TotalSeconds);
                await Task.Delay(wait, _time, cancellation);
            }
        }

        Interlocked.Add(ref _written, rows.Count);
        foreach (var record in records)
            record.Logged?.TrySetResult();
        if (Interlocked.Exchange(ref _failure, null) is { } recovered)
            LogRecovered(_logger, Log.Description, recovered.Since);
        await PruneAsync(cancellation);
        // The records arriving meanwhile queue up in the sink writer and come in the next call.
        var pause = WriteEvery - _time.GetElapsedTime(started);
        if (pause > TimeSpan.Zero && !cancellation.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(pause, _time, cancellation);
            }
            catch (OperationCanceledException)
            {
                // Stopping: these rows are written; the next call gets the cancelled token.
            }
        }
    }

    // Both, so that a container disposed either way (a failed start disposes it synchronously) can dispose the sink.
    public void Dispose() => Log.Dispose();

    public ValueTask DisposeAsync() => Log.DisposeAsync();

    LoggedPrediction Row(PredictionRecord record) => new(record.Time.ToUniversalTime(), record.RequestId, record.ModelId, record.ModelVersion,
        record.Role.ToString().ToLowerInvariant(), record.Label, record.Probabilities, record.OutOfDomainScore, record.OutOfDomain,
        record.Latency.TotalMilliseconds, record.SourceId, record.ImageSha256, Keep(record));

    /// <summary>The image's path in the folder, written unless a file of that name (so the same bytes) is there already; null when not kept.</summary>
    string? Keep(PredictionRecord record)
    {
        if (_images is null || record.Image.IsEmpty)
            return null;
        string path = Path.Combine(_images, record.ImageSha256 + UploadFormat.Of(record.Image.Span).Extension);
        if (File.Exists(path))
            return path;
        string partial = $"{path}.{Guid.NewGuid():N}.part";
        try
        {
            // Written aside and moved in, so that a file under the final name is always whole.
            using (var file = File.Create(partial))
                file.Write(record.Image.Span);
            File.Move(partial, path, overwrite: false);
            return path;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(partial); // another prediction of the same image moved it in first
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogImageNotKept(_logger, e, record.RequestId, path);
            File.Delete(partial);
            return null;
        }
    }

    /// <summary>Deletes the rows older than <see cref="ServeOptions.LogDays"/> at the first write and then hourly; a failure waits for the next time.</summary>
    async Task PruneAsync(CancellationToken cancellation)
    {
        var now = _time.GetUtcNow();
        if (_keep is not { } keep || now < _nextPrune)
            return;
        _nextPrune = now + PruneEvery;
        try
        {
            long deleted = await Log.DeleteOlderThanAsync(now - keep, cancellation);
            LogPruned(_logger, deleted, Log.Description, keep.TotalDays);
        }
        catch (Exception e) when (PredictionLog.IsTransient(e))
        {
            LogPruneFailed(_logger, e, Log.Description);
        }
    }

    /// <summary>A write failing since <paramref name="Since"/>, the last time with <paramref name="Error"/>.</summary>
    internal sealed record Failure(DateTimeOffset Since, string Error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The prediction log {Log} cannot be written ({Rows} row(s) waiting); trying again in {Seconds:0.0} s")]
    static partial void LogRetrying(ILogger logger, Exception error, string log, int rows, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "The prediction log {Log} is written again (it failed from {Since:o})")]
    static partial void LogRecovered(ILogger logger, string log, DateTimeOffset since);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Rows} row(s) older than {Days} day(s) from the prediction log {Log}")]
    static partial void LogPruned(ILogger logger, long rows, string log, double days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Old rows could not be deleted from the prediction log {Log}; trying again in an hour")]
    static partial void LogPruneFailed(ILogger logger, Exception error, string log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: the image could not be kept at {Path}")]
    static partial void LogImageNotKept(ILogger logger, Exception error, string requestId, string path);
}
