using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Vision.Codecs;

namespace Kodiak.AspNetCore;

/// <summary>
/// The trained model as an injectable service (registered by <see cref="KodiakPredictorServices.AddKodiakPredictor(IServiceCollection, string)"/>):
/// concurrent <see cref="PredictAsync(ReadOnlyMemory{byte})"/> calls are run through the model together, in micro-batches
/// (see <see cref="PredictionBatcher"/>), so many callers cost far less than one model run each. Thread-safe.
/// Instruments on the meter <see cref="MeterName"/>: <c>kodiak.predictions</c> (by label), <c>kodiak.prediction.duration</c>
/// (ms, queueing included), <c>kodiak.batch.size</c> and <c>kodiak.requests.rejected</c> (by reason).
/// </summary>
public sealed partial class KodiakPredictor : IDisposable
{
    /// <summary>The meter's name, for OpenTelemetry's <c>AddMeter</c> or <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kodiak.AspNetCore";

    readonly Predictor _predictor;
    readonly ILogger _logger;
    readonly Counter<long> _predictions;
    readonly Counter<long> _rejected;
    readonly Histogram<double> _duration;

    KodiakPredictor(Predictor predictor, KodiakPredictorOptions options, IMeterFactory meters, ILogger<KodiakPredictor> logger)
    {
        _predictor = predictor;
        _logger = logger;
        MaxUploadBytes = options.MaxUploadBytes;
        var meter = meters.Create(MeterName);
        _predictions = meter.CreateCounter<long>("kodiak.predictions", "{prediction}", "Predictions made, by label.");
        _rejected = meter.CreateCounter<long>("kodiak.requests.rejected", "{request}", "Predictions refused or failed, by reason.");
        _duration = meter.CreateHistogram<double>("kodiak.prediction.duration", "ms", "From admission to prediction, queueing included.");
        var batchSize = meter.CreateHistogram<int>("kodiak.batch.size", "{image}", "Images per model run.");
        Batcher = new PredictionBatcher(images => [.. predictor.PredictBatch(images).Select(p => new PredictionWithFeatures(p, []))],
            options.MaxBatchSize, options.MaxBatchWait, options.QueueCapacity, size => batchSize.Record(size));
    }

    /// <summary>
    /// Loads <see cref="KodiakPredictorOptions.Model"/>; a bundle that is missing, corrupt or not a Kodiak model is an
    /// <see cref="InvalidOperationException"/> that names the file (and carries the cause).
    /// </summary>
    internal static KodiakPredictor Load(KodiakPredictorOptions options, IMeterFactory meters, ILogger<KodiakPredictor> logger)
    {
        string path = Path.GetFullPath(options.Model);
        Predictor predictor;
        try
        {
            predictor = Predictor.Load(path, new PredictorOptions
            {
                Variant = options.Variant,
                BatchSize = options.MaxBatchSize,
                IntraOpThreads = options.IntraOpThreads,
                Decode = new DecodeOptions { MaxPixels = options.MaxImagePixels },
            });
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or KeyNotFoundException)
        {
            string why = File.Exists(path) ? e.Message : "the file does not exist.";
            throw new InvalidOperationException($"Kodiak cannot load the model {path} ({nameof(KodiakPredictorOptions)}.{nameof(KodiakPredictorOptions.Model)}): {why}", e);
        }

        LogLoaded(logger, path, string.Join(", ", predictor.Classes), predictor.Variant);
        return new KodiakPredictor(predictor, options, meters, logger);
    }

    /// <summary>The bundle's full path.</summary>
    public string ModelPath => _predictor.Path;

    /// <summary>The bundle's manifest (<c>kodiak.json</c>): classes, input size, how it was trained.</summary>
    public BundleManifest Manifest => _predictor.Manifest;

    /// <summary>The classes, in the order of every prediction's probabilities.</summary>
    public IReadOnlyList<string> Classes => _predictor.Classes;

    /// <summary>Largest upload the endpoint reads (<see cref="KodiakPredictorOptions.MaxUploadBytes"/>).</summary>
    public long MaxUploadBytes { get; }

    /// <summary>The micro-batcher every prediction goes through (started and stopped with the app).</summary>
    internal PredictionBatcher Batcher { get; }

    /// <summary>Predicts an encoded image (JPEG, PNG, WebP, GIF or BMP), batched with the other calls waiting now.</summary>
    /// <param name="image">The image file's bytes.</param>
    /// <returns>The label, every class's probability and the out-of-domain score (when the bundle has a calibration).</returns>
    /// <exception cref="PredictorBusyException">Every place in the queue is taken.</exception>
    /// <exception cref="ImageDecodeException">The bytes are not an image Kodiak can read.</exception>
    /// <exception cref="OperationCanceledException">The app is stopping.</exception>
    public async Task<Prediction> PredictAsync(ReadOnlyMemory<byte> image)
    {
        using var slot = Batcher.TryAdmit();
        if (slot is null)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", "busy"));
            throw new PredictorBusyException(Batcher.Capacity);
        }

        long started = Stopwatch.GetTimestamp();
        Prediction prediction;
        try
        {
            prediction = (await slot.PredictAsync(image)).Prediction;
        }
        catch (ImageDecodeException e)
        {
            _rejected.Add(1, new KeyValuePair<string, object?>("reason", "bad_image"));
            LogBadImage(_logger, e.Message);
            throw;
        }

        _duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        _predictions.Add(1, new KeyValuePair<string, object?>("label", prediction.Label));
        return prediction;
    }

    /// <summary>Reads <paramref name="image"/> to its end and predicts it (see <see cref="PredictAsync(ReadOnlyMemory{byte})"/>).</summary>
    /// <param name="image">The image file's bytes.</param>
    /// <param name="cancellationToken">Stops the reading.</param>
    public async Task<Prediction> PredictAsync(Stream image, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await image.CopyToAsync(buffer, cancellationToken);
        return await PredictAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }

    /// <summary>Frees the batcher and the ONNX Runtime session.</summary>
    public void Dispose()
    {
        Batcher.Dispose();
        _predictor.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kodiak model {Path} loaded: classes {Classes}, variant {Variant}.")]
    static partial void LogLoaded(ILogger logger, string path, string classes, string variant);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An image could not be read: {Reason}")]
    static partial void LogBadImage(ILogger logger, string reason);
}
