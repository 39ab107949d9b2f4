using System.Buffers;
using System.Runtime.ExceptionServices;
using Kodiak.Bundle;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Transforms;
using Microsoft.ML.OnnxRuntime;

namespace Kodiak.Inference;

/// <summary>
/// Predicts with a model exported as a <c>.kodiak</c> bundle, on ONNX Runtime (no libtorch). Images go through the
/// same validation item transforms as in training (<see cref="ItemPipeline"/>), then the ONNX model. Thread-safe:
/// any number of threads may predict at once.
/// </summary>
/// <example><code>
/// using var predictor = Predictor.Load("model.kodiak");
/// var (label, index, probabilities) = predictor.Predict("grizzly.jpg");
/// </code></example>
public sealed class Predictor : IDisposable
{
    readonly InferenceSession _session;
    readonly RunOptions _runOptions = new();
    readonly IReadOnlyList<IItemTransform> _transforms;
    readonly int _batchSize;
    readonly DecodeOptions? _decode;
    readonly OutOfDomainScorer? _outOfDomain;
    bool _hasLogits;
    bool _disposed;

    Predictor(ModelBundle bundle, string variant, InferenceSession session, IReadOnlyList<IItemTransform> transforms, PredictorOptions options,
        OutOfDomainCalibration? outOfDomain)
    {
        Path = bundle.Path;
        Manifest = bundle.Manifest;
        Variant = variant;
        _session = session;
        _transforms = transforms;
        _batchSize = options.BatchSize;
        _decode = options.Decode;
        OutOfDomainCalibration = outOfDomain;
        _outOfDomain = outOfDomain is not null && options.ScoreOutOfDomain ? new OutOfDomainScorer(outOfDomain) : null;
    }

    /// <summary>The bundle this predictor was loaded from.</summary>
    public string Path { get; }

    /// <summary>What the bundle says about the model and its training.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>
    /// The model variant predicting, one of <see cref="BundleManifest.Variants"/>: as asked (<see cref="PredictorOptions.Variant"/>),
    /// else <see cref="ModelBundle.Int8Variant"/> when the bundle has it and <see cref="ModelBundle.DefaultVariant"/> when not.
    /// </summary>
    public string Variant { get; }

    /// <summary>
    /// The bundle's out-of-domain score and threshold (see <see cref="Prediction.OutOfDomainScore"/>), or null for a bundle
    /// exported without one: its predictions then carry no score.
    /// </summary>
    public OutOfDomainCalibration? OutOfDomainCalibration { get; }

    /// <summary>The classes, in the order of <see cref="Prediction.Probabilities"/>.</summary>
    public IReadOnlyList<string> Classes => Manifest.Classes;

    /// <summary>
    /// How many features <see cref="PredictWithFeatures"/> gives per image (512 for a ResNet18); 0 when the bundle's
    /// model has no <c>features</c> output.
    /// </summary>
    public int FeatureCount { get; private set; }

    string ModelEntry => Manifest.Variants[Variant];

    int Width => Manifest.Input.Width;

    int Height => Manifest.Input.Height;

    int ImageLength => 3 * Width * Height;

    /// <summary>
    /// Loads a bundle's model (the variant <see cref="PredictorOptions.Variant"/>), checks it (format version, SHA-256
    /// of the model, inputs and outputs of the graph) and runs one warm-up prediction, so the first real one is not slower.
    /// </summary>
    /// <param name="path">The <c>.kodiak</c> file.</param>
    /// <param name="options">Model variant, threads, batch size and decoding limits; defaults when null.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a readable bundle, or one whose model does not match its description.</exception>
    /// <exception cref="ArgumentException">
    /// The bundle has no model of the variant asked for; the message lists those it has (for int8, how to add one).
    /// </exception>
    public static Predictor Load(string path, PredictorOptions? options = null)
    {
        options ??= new PredictorOptions();
        var bundle = ModelBundle.Open(path);
        var transforms = TransformRecipe.FromJson(bundle.Manifest.ItemTransforms, $"'{bundle.Path}'");
        if (bundle.Manifest.Input.Name != OnnxTensors.Input || bundle.Manifest.Input.Width < 1 || bundle.Manifest.Input.Height < 1)
            throw new InvalidDataException($"'{bundle.Path}': {ModelBundle.ManifestEntry} describes an input this Kodiak cannot feed ({bundle.Manifest.Input}).");
        var output = ItemPipeline.OutputSize(transforms);
        if (output != (bundle.Manifest.Input.Width, bundle.Manifest.Input.Height))
            throw new InvalidDataException(
                $"'{bundle.Path}': the item transforms in {ModelBundle.ManifestEntry} ({string.Join(", ", transforms)}) bring images to "
                + $"{(output is { } size ? $"{size.Width}×{size.Height}" : "sizes that depend on the image")}, not to the "
                + $"{bundle.Manifest.Input.Width}×{bundle.Manifest.Input.Height} its model takes.");
        string variant = options.Variant
            ?? (bundle.Manifest.Variants.ContainsKey(ModelBundle.Int8Variant) ? ModelBundle.Int8Variant : ModelBundle.DefaultVariant);
        if (variant == ModelBundle.Int8Variant && !bundle.Manifest.Variants.ContainsKey(variant))
            throw new ArgumentException(
                $"'{bundle.Path}' has no int8 model; add one with: kodiak export --int8 {bundle.Path} (or serve it as fp32).", nameof(options));
        byte[] onnx = bundle.ReadOnnxModel(variant);
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.IntraOpThreads ?? 0,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(onnx, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{bundle.Path}': ONNX Runtime cannot load {bundle.Manifest.Variants[variant]}: {e.Message}", e);
        }

        var outOfDomain = bundle.Manifest.Entries.Contains(OutOfDomainCalibration.EntryName, StringComparer.Ordinal)
            ? ReadCalibration(bundle)
            : null;
        var predictor = new Predictor(bundle, variant, session, transforms, options, outOfDomain);
        try
        {
            predictor.CheckGraph();
            predictor.Run(new float[predictor.ImageLength], 1, withFeatures: false);
            return predictor;
        }
        catch
        {
            predictor.Dispose();
            throw;
        }
    }

    static OutOfDomainCalibration ReadCalibration(ModelBundle bundle)
    {
        try
        {
            return OutOfDomainCalibration.FromJson(bundle.ReadEntry(OutOfDomainCalibration.EntryName));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{bundle.Path}': {e.Message}", e);
        }
    }

    /// <summary>Predicts the class of one image.</summary>
    /// <param name="image">A file path, encoded bytes (both convert implicitly) or <see cref="ImageSource"/>.</param>
    /// <exception cref="ImageDecodeException">The image cannot be read; the message names the file.</exception>
    public Prediction Predict(ImageSource image) => PredictBatch([image])[0];

    /// <summary>Predicts the class of the encoded image in <paramref name="image"/> (read to its end, left open).</summary>
    /// <param name="image">A readable stream.</param>
    /// <exception cref="ImageDecodeException">The image cannot be read.</exception>
    public Prediction Predict(Stream image) => Predict(ImageSource.FromStream(image));

    /// <summary>Predicts many images, decoding in parallel and running the model on up to <see cref="PredictorOptions.BatchSize"/> at once.</summary>
    /// <param name="images">The images; predictions come back in the same order.</param>
    /// <exception cref="ImageDecodeException">An image cannot be read; the message names it.</exception>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<ImageSource> images) =>
        [.. RunBatches(images, withFeatures: false).Select(p => p.Prediction)];

    /// <summary>
    /// Like <see cref="PredictBatch"/>, and also gives each image's features (<see cref="FeatureCount"/> numbers: the
    /// body's globally average-pooled activations), which are close for images the model sees as alike, and its logits.
    /// </summary>
    /// <param name="images">The images; results come back in the same order.</param>
    /// <exception cref="ImageDecodeException">An image cannot be read; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The bundle's model has no features output (exported before Kodiak added it).</exception>
    public IReadOnlyList<PredictionWithFeatures> PredictWithFeatures(IReadOnlyList<ImageSource> images)
    {
        if (FeatureCount == 0)
            throw new InvalidOperationException($"'{Path}' has no '{OnnxTensors.Features}' output; export the model again with this Kodiak.");
        return RunBatches(images, withFeatures: true);
    }

    IReadOnlyList<PredictionWithFeatures> RunBatches(IReadOnlyList<ImageSource> images, bool withFeatures)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var predictions = new List<PredictionWithFeatures>(images.Count);
        for (int start = 0; start < images.Count; start += _batchSize)
        {
            int count = Math.Min(_batchSize, images.Count - start);
            float[] pixels = ArrayPool<float>.Shared.Rent(count * ImageLength);
            try
            {
                Parallel.For(0, count, i => Preprocess(images[start + i], pixels.AsSpan(i * ImageLength, ImageLength)));
                predictions.AddRange(Run(pixels, count, withFeatures));
            }
            catch (AggregateException e)
            {
                // Report the first unreadable image as itself, not wrapped.
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(pixels);
            }
        }

        return predictions;
    }

    /// <summary>Decodes and transforms one image exactly as training does for validation images, into CHW floats in [0, 1].</summary>
    internal void Preprocess(ImageSource image, Span<float> destination)
    {
        var prepared = ItemPipeline.Load(image, _transforms, ItemContext.Validation(), _decode);
        if (prepared.Width != Width || prepared.Height != Height)
            throw new InvalidDataException(
                $"'{image.Path ?? "image"}' came out {prepared.Width}×{prepared.Height} after {string.Join(", ", _transforms)}, but the model takes {Width}×{Height}.");
        prepared.ToChwFloats(destination);
    }

    /// <summary>Runs the model on the first <paramref name="count"/> images in <paramref name="pixels"/>, without copying them.</summary>
    PredictionWithFeatures[] Run(float[] pixels, int count, bool withFeatures)
    {
        int classes = Classes.Count;
        // The out-of-domain score reads the logits, and the features when its method needs them.
        bool withLogits = _hasLogits && (withFeatures || _outOfDomain is not null), fetchFeatures = withFeatures || _outOfDomain is { NeedsFeatures: true };
        int features = fetchFeatures ? FeatureCount : 0;
        float[] probabilities = ArrayPool<float>.Shared.Rent(count * classes);
        float[] logits = ArrayPool<float>.Shared.Rent(withLogits ? count * classes : 0);
        float[] activations = ArrayPool<float>.Shared.Rent(count * features);
        var outputs = new List<OrtValue>(3);
        try
        {
            var names = new List<string>(3) { OnnxTensors.Probabilities };
            outputs.Add(Tensor(probabilities, count, classes));
            if (withLogits)
            {
                names.Add(OnnxTensors.Logits);
                outputs.Add(Tensor(logits, count, classes));
            }

            if (fetchFeatures)
            {
                names.Add(OnnxTensors.Features);
                outputs.Add(Tensor(activations, count, features));
            }

            using (var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, pixels.AsMemory(0, count * ImageLength), [count, 3, Height, Width]))
                _session.Run(_runOptions, [OnnxTensors.Input], [input], names, outputs);

            var predictions = new PredictionWithFeatures[count];
            for (int i = 0; i < count; i++)
            {
                float[] row = probabilities.AsSpan(i * classes, classes).ToArray();
                int best = Array.IndexOf(row, row.Max());
                var prediction = new Prediction(Classes[best], best, row);
                var imageFeatures = activations.AsSpan(i * features, features);
                if (_outOfDomain is not null)
                {
                    double score = _outOfDomain.Score(logits.AsSpan(i * classes, classes), imageFeatures);
                    prediction = prediction with { OutOfDomainScore = score, OutOfDomain = _outOfDomain.IsOutOfDomain(score) };
                }

                predictions[i] = withFeatures
                    ? new PredictionWithFeatures(prediction, imageFeatures.ToArray()) { Logits = logits.AsSpan(i * classes, classes).ToArray() }
                    : new PredictionWithFeatures(prediction, []);
            }

            return predictions;
        }
        finally
        {
            foreach (var output in outputs)
                output.Dispose();
            ArrayPool<float>.Shared.Return(probabilities);
            ArrayPool<float>.Shared.Return(logits);
            ArrayPool<float>.Shared.Return(activations);
        }
    }

    static OrtValue Tensor(float[] buffer, int rows, int columns) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, rows * columns), [rows, columns]);

    void CheckGraph()
    {
        if (!_session.InputMetadata.TryGetValue(OnnxTensors.Input, out var input) || _session.InputMetadata.Count != 1
            || !input.Dimensions.Skip(1).SequenceEqual([3, Height, Width]))
            throw new InvalidDataException(
                $"'{Path}': {ModelEntry} does not take one '{OnnxTensors.Input}' input of [N, 3, {Height}, {Width}] as {ModelBundle.ManifestEntry} says.");
        if (!_session.OutputMetadata.TryGetValue(OnnxTensors.Probabilities, out var output) || output.Dimensions.Length != 2 || output.Dimensions[1] != Classes.Count)
            throw new InvalidDataException(
                $"'{Path}': {ModelEntry} has no '{OnnxTensors.Probabilities}' output of [N, {Classes.Count}] for the {Classes.Count} classes in {ModelBundle.ManifestEntry}.");
        if (_session.OutputMetadata.TryGetValue(OnnxTensors.Features, out var features))
        {
            if (features.Dimensions.Length != 2 || features.Dimensions[1] < 1)
                throw new InvalidDataException($"'{Path}': {ModelEntry} has a '{OnnxTensors.Features}' output that is not [N, features].");
            FeatureCount = features.Dimensions[1];
        }

        _hasLogits = _session.OutputMetadata.ContainsKey(OnnxTensors.Logits);
        if (OutOfDomainCalibration is { } calibration && (!_hasLogits
            || (OutOfDomainCalibration.NeedsFeatures(calibration.Method) && calibration.FeatureCount != FeatureCount)))
            throw new InvalidDataException(
                $"'{Path}': its {OutOfDomainCalibration.EntryName} needs the '{OnnxTensors.Logits}' output and {calibration.FeatureCount} features, which {ModelEntry} does not give.");
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
    }
}
