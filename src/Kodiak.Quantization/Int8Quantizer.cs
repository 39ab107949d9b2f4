using System.Runtime.ExceptionServices;
using Google.Protobuf;
using Kodiak.Bundle;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Kodiak.Quantization;

/// <summary>
/// Adds a statically quantized int8 model to a bundle (<see cref="ModelBundle.Int8Variant"/>, beside fp32): per-channel
/// int8 weights, uint8 activations calibrated on training images, in QDQ form, which ONNX Runtime fuses into
/// QLinearConv and QLinearAdd. The int8 model is compared with fp32 on the validation images and the comparison is
/// stored in the bundle (<see cref="BundleManifest.Quantization"/>).
/// </summary>
/// <remarks>
/// Calibration is min-max, not percentile: the head pools each channel's <em>maximum</em> (fastai's concat pooling), so
/// the rare large activations a percentile would clip are exactly the ones the classifier reads.
/// </remarks>
/// <example><code>
/// var report = Int8Quantizer.AddInt8("model.kodiak");
/// Console.WriteLine($"{report.LabelAgreement:P1} of the validation labels agree with fp32");
/// </code></example>
public static class Int8Quantizer
{
    /// <summary>Training images the activation ranges are measured on, at most (300).</summary>
    public const int DefaultCalibrationImages = 300;

    /// <summary>The calibration method, as <see cref="QuantizationReport.Calibration"/> names it.</summary>
    public const string Calibration = "min-max";

    const int BatchSize = 16;

    /// <summary>
    /// Quantizes the bundle's fp32 model, compares it with fp32 on the validation images and writes it into the bundle
    /// (atomically; an int8 model already there is replaced).
    /// </summary>
    /// <param name="bundlePath">The <c>.kodiak</c> file.</param>
    /// <param name="dataFolder">
    /// The training data (one folder per class); null uses the folder the bundle records it was trained on. The
    /// validation images are the ones the bundle records, else every fifth image, kept out of the calibration.
    /// </param>
    /// <param name="calibrationImages">Training images to calibrate on, at most, spread over the whole set.</param>
    /// <returns>What is stored as <see cref="BundleManifest.Quantization"/>.</returns>
    /// <exception cref="DirectoryNotFoundException">The data folder is missing; the message names it and says how to give one.</exception>
    /// <exception cref="InvalidDataException">The bundle is unreadable, or the data folder has no usable or readable images; the message names the file.</exception>
    public static QuantizationReport AddInt8(string bundlePath, string? dataFolder = null, int calibrationImages = DefaultCalibrationImages)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundlePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(calibrationImages, 1);
        var bundle = ModelBundle.Open(bundlePath);
        var manifest = bundle.Manifest;
        string data = Path.GetFullPath(dataFolder ?? manifest.Training.DataFolder);
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException(dataFolder is not null
                ? $"The data folder '{data}' does not exist."
                : $"'{bundle.Path}' was trained on '{data}', which is not there any more: give the training images with --data DIR.");
        var (train, valid) = Split(bundle, data);
        var transforms = TransformRecipe.FromJson(manifest.ItemTransforms, $"'{bundle.Path}'");
        var input = (manifest.Input.Width, manifest.Input.Height);

        byte[] fp32 = bundle.ReadOnnxModel();
        var model = ModelProto.Parser.ParseFrom(fp32);
        var plan = new QdqGraph(model);
        var calibration = Spread(train, calibrationImages);
        var ranges = ActivationRanges.Measure(model, plan.Calibrated, Batches(calibration, transforms, input));
        byte[] int8 = plan.Rewrite(model, ranges).ToByteArray();

        var labels = valid.Select(item => item.Label).ToArray();
        int[] fp32Labels = Labels(fp32, valid, transforms, input), int8Labels = Labels(int8, valid, transforms, input);
        int n = Math.Max(1, valid.Count);
        var report = new QuantizationReport(Calibration, calibration.Count, valid.Count,
            LabelAgreement: valid.Count == 0 ? 1 : fp32Labels.Zip(int8Labels).Count(p => p.First == p.Second) / (double)n,
            Fp32ErrorRate: fp32Labels.Zip(labels).Count(p => p.First != p.Second) / (double)n,
            Int8ErrorRate: int8Labels.Zip(labels).Count(p => p.First != p.Second) / (double)n);
        ModelBundle.WriteVariant(bundle.Path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, int8, m => m with { Quantization = report });
        return report;
    }

    /// <summary>The data folder's images in the model's class folders, as training and validation by what the bundle records.</summary>
    static (List<Item> Train, List<Item> Valid) Split(ModelBundle bundle, string data)
    {
        var classes = bundle.Manifest.Classes;
        var items = ImageFiles.Get(data)
            .Select(file => new Item(file, DataRelative(data, file), IndexOf(classes, Path.GetFileName(Path.GetDirectoryName(file)) ?? "")))
            .Where(item => item.Label >= 0)
            .OrderBy(item => item.Relative, StringComparer.Ordinal)
            .ToList();
        if (items.Count == 0)
            throw new InvalidDataException(
                $"The data folder '{data}' has no images in folders named after the model's classes ({string.Join(", ", classes)}).");
        var recorded = bundle.Manifest.Training.ValidItems?.ToHashSet(StringComparer.Ordinal);
        var valid = recorded is null ? [] : items.Where(item => recorded.Contains(item.Relative)).ToList();
        // A bundle from before the split was recorded (or other data): hold some images out to compare on all the same.
        if (valid.Count == 0)
            valid = [.. items.Where((_, i) => i % 5 == 4)];
        var validSet = valid.ToHashSet();
        var train = items.Where(item => !validSet.Contains(item)).ToList();
        return (train.Count > 0 ? train : items, valid);
    }

    static string DataRelative(string data, string file) => Path.GetRelativePath(data, file).Replace('\\', '/');

    static int IndexOf(IReadOnlyList<string> classes, string label)
    {
        for (int i = 0; i < classes.Count; i++)
            if (classes[i] == label)
                return i;
        return -1;
    }

    /// <summary>Up to <paramref name="count"/> items evenly spaced over the (sorted, so class-grouped) list: every class is sampled.</summary>
    static List<Item> Spread(List<Item> items, int count) =>
        items.Count <= count ? items : [.. Enumerable.Range(0, count).Select(i => items[(int)((long)i * items.Count / count)])];

    static IEnumerable<(float[] Pixels, long[] Shape)> Batches(IReadOnlyList<Item> items, IReadOnlyList<IItemTransform> transforms, (int Width, int Height) size)
    {
        int length = 3 * size.Width * size.Height;
        for (int start = 0; start < items.Count; start += BatchSize)
        {
            int count = Math.Min(BatchSize, items.Count - start);
            var pixels = new float[count * length];
            try
            {
                Parallel.For(0, count, i => Preprocess(items[start + i], transforms, size, pixels.AsSpan(i * length, length)));
            }
            catch (AggregateException e)
            {
                // Report the first unreadable image as itself, not wrapped.
                ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }

            yield return (pixels, [count, 3, size.Height, size.Width]);
        }
    }

    /// <summary>Decodes and transforms an image as the predictor does; an unreadable one is named with its folder.</summary>
    static void Preprocess(Item item, IReadOnlyList<IItemTransform> transforms, (int Width, int Height) size, Span<float> destination)
    {
        RgbImage image;
        try
        {
            image = ItemPipeline.Load(item.Path, transforms, ItemContext.Validation());
        }
        catch (ImageDecodeException e)
        {
            throw new InvalidDataException($"Cannot read '{item.Path}' in the data folder: {e.Reason} (kodiak verify finds and moves such files).", e);
        }

        if ((image.Width, image.Height) != size)
            throw new InvalidDataException($"'{item.Path}' came out {image.Width}×{image.Height}, but the model takes {size.Width}×{size.Height}.");
        image.ToChwFloats(destination);
    }

    /// <summary>Each item's predicted class under <paramref name="onnx"/>.</summary>
    static int[] Labels(byte[] onnx, IReadOnlyList<Item> items, IReadOnlyList<IItemTransform> transforms, (int Width, int Height) size)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        using var runOptions = new RunOptions();
        var labels = new List<int>(items.Count);
        foreach (var (pixels, shape) in Batches(items, transforms, size))
        {
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
            using var outputs = session.Run(runOptions, [OnnxTensors.Input], [input], [OnnxTensors.Probabilities]);
            var probabilities = outputs[0].GetTensorDataAsSpan<float>();
            int classes = probabilities.Length / (int)shape[0];
            for (int i = 0; i < shape[0]; i++)
            {
                var row = probabilities.Slice(i * classes, classes);
                labels.Add(row.IndexOf(MaxOf(row)));
            }
        }

        return [.. labels];
    }

    static float MaxOf(ReadOnlySpan<float> row)
    {
        float max = row[0];
        foreach (float v in row)
            max = Math.Max(max, v);
        return max;
    }

    sealed record Item(string Path, string Relative, int Label);
}
