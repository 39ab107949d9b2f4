using Kodiak.AspNetCore;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;

namespace Kodiak.Server;

/// <summary>A loaded bundle as the server serves it: its name, version, predictor and its own micro-batcher.</summary>
public sealed class ServedModel : IDisposable
{
    internal ServedModel(Predictor predictor, ServeOptions options, bool withFeatures = false, KodiakMetrics? metrics = null)
    {
        Predictor = predictor;
        Options = options;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(predictor.Manifest.Training.DataFolder)) is { Length: > 0 } folder and not ("." or "..")
            ? folder
            : Path.GetFileNameWithoutExtension(predictor.Path);
        Sha256 = predictor.Manifest.Sha256.GetValueOrDefault(ModelBundle.OnnxEntry, "unknown");
        Version = Sha256[..Math.Min(12, Sha256.Length)];
        // Features cost nothing extra to compute, but only a sink that asks for them should pay to carry them.
        bool features = withFeatures && predictor.FeatureCount > 0;
        Batcher = new PredictionBatcher(
            features ? predictor.PredictWithFeatures : images => [.. predictor.PredictBatch(images).Select(p => new PredictionWithFeatures(p, []))],
            options.MaxBatchSize, options.MaxBatchWait, options.QueueCapacity, metrics is null ? null : size => metrics.BatchRan(Name, size));
    }

    /// <summary>Loads <paramref name="path"/> (else <see cref="ServeOptions.Model"/>) with the options' precision, batch size, threads and pixel limit.</summary>
    internal static ServedModel Load(ServeOptions options, bool withFeatures = false, KodiakMetrics? metrics = null, string? path = null)
    {
        var predictor = Predictor.Load(path ?? options.Model, new PredictorOptions
        {
            Variant = options.Precision,
            BatchSize = options.MaxBatchSize,
            IntraOpThreads = options.IntraOpThreads,
            Decode = new DecodeOptions { MaxPixels = options.MaxImagePixels },
        });
        try
        {
            return new ServedModel(predictor, options, withFeatures, metrics);
        }
        catch
        {
            predictor.Dispose();
            throw;
        }
    }

    /// <summary>The predictor; <see cref="Predictor.Classes"/> orders every prediction's probabilities.</summary>
    public Predictor Predictor { get; }

    /// <summary>The limits it is served with.</summary>
    public ServeOptions Options { get; }

    /// <summary>The name of the data folder it was trained on (what a person called the task), else the bundle's file name.</summary>
    public string Name { get; }

    /// <summary>The SHA-256 of the bundle's ONNX model (hex), or "unknown": what a prediction log records as the model's version.</summary>
    public string Sha256 { get; }

    /// <summary>The first 12 hex digits of <see cref="Sha256"/>: changes whenever the model does.</summary>
    public string Version { get; }

    /// <summary>This model's micro-batcher (one per served model, so models never share a batch).</summary>
    internal PredictionBatcher Batcher { get; }

    /// <summary>True once <see cref="WarmUp"/> has run: <c>/readyz</c> waits for it.</summary>
    internal bool Warm => Volatile.Read(ref _warm);

    bool _warm;

    /// <summary>
    /// Predicts one blank image of the model's input size, off the batcher and the metrics, so that ONNX Runtime's first
    /// run (its allocations and kernel choices, much slower than the next) is not a user's request.
    /// </summary>
    internal void WarmUp()
    {
        var input = Predictor.Manifest.Input;
        Predictor.Predict(ImageSource.FromBytes(ImageEncoder.Encode(new RgbImage(input.Width, input.Height), ImageFormat.Png)));
        Volatile.Write(ref _warm, true);
    }

    /// <summary>Frees the batcher and the ONNX session.</summary>
    public void Dispose()
    {
        Batcher.Dispose();
        Predictor.Dispose();
    }
}
