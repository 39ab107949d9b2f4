using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// Whether the pretrained <see cref="ResNet18Body"/>, rebuilt in TorchSharp from the ONNX weights, computes what the
/// original model computes in ONNX Runtime: the pooled features of the same images, compared image by image.
/// </summary>
/// <param name="Images">Each image's difference.</param>
/// <param name="Features">Features per image (512 for ResNet18).</param>
/// <param name="TorchMilliseconds">TorchSharp's time for the whole batch, after a warm-up.</param>
/// <param name="OnnxMilliseconds">ONNX Runtime's time for the images one by one, after a warm-up.</param>
public sealed record PretrainedBodyCheck(IReadOnlyList<FeatureDifference> Images, int Features, double TorchMilliseconds, double OnnxMilliseconds)
{
    /// <summary>The largest difference allowed, as a fraction of an image's largest feature: float rounding, not a different model.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>The largest difference over all images.</summary>
    public double MaxDifference => Images.Max(i => i.MaxDifference);

    /// <summary>The largest original feature over all images.</summary>
    public double Largest => Images.Max(i => i.Largest);

    /// <summary>Every image's features are within <see cref="Tolerance"/> of its largest.</summary>
    public bool Matches => Images.All(i => i.MaxDifference <= Tolerance * i.Largest);

    /// <summary>Runs <paramref name="body"/> (in eval mode) and the ONNX model on the same images.</summary>
    /// <param name="body">The TorchSharp body; it is put in eval mode.</param>
    /// <param name="rgb">[N, 3, 224, 224] RGB in [0, 1]; both models get it converted by <see cref="CntkImageNetInput"/>.</param>
    /// <param name="onnxPath">The original model; by default <see cref="ResNet18Body.DefaultOnnxPath"/>.</param>
    public static PretrainedBodyCheck Run(ResNet18Body body, Tensor rgb, string? onnxPath = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(rgb);
        const int size = ResNet18Body.NativeInputSize;
        if (rgb.dim() != 4 || rgb.shape[1] != 3 || rgb.shape[2] != size || rgb.shape[3] != size)
            throw new ArgumentException($"Expected [N, 3, {size}, {size}] images, got [{string.Join(", ", rgb.shape)}].", nameof(rgb));
        int n = (int)rgb.shape[0], plane = 3 * size * size;
        using var scope = NewDisposeScope();
        body.eval();
        var input = CntkImageNetInput.Apply(rgb).contiguous();
        float[] ours;
        var clock = new Stopwatch();
        using (no_grad())
        {
            body.PooledFeatures(input[..1]); // warm-up: the first call sets up libtorch's kernels
            clock.Start();
            ours = body.PooledFeatures(input).data<float>().ToArray();
        }
        double torchMs = clock.Elapsed.TotalMilliseconds;
        int features = ours.Length / n;

        var converted = input.data<float>().ToArray();
        using var session = new InferenceSession(onnxPath ?? ResNet18Body.DefaultOnnxPath);
        string inputName = session.InputNames.Single();
        float[] Original(int i)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(converted.AsMemory(i * plane, plane).ToArray(), [1, 3, size, size]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [inputName], [value], session.OutputNames);
            return results[0].GetTensorDataAsSpan<float>().ToArray();
        }
        Original(0); // warm-up, as for TorchSharp
        var images = new List<FeatureDifference>(n);
        double onnxMs = 0;
        for (int i = 0; i < n; i++)
        {
            clock.Restart();
            var theirs = Original(i);
            onnxMs += clock.Elapsed.TotalMilliseconds;
            if (theirs.Length != features)
                throw new InvalidDataException($"The ONNX model gives {theirs.Length} features an image, the TorchSharp body {features}.");
            double maxDifference = 0, largest = 0;
            for (int k = 0; k < features; k++)
            {
                largest = Math.Max(largest, Math.Abs(theirs[k]));
                maxDifference = Math.Max(maxDifference, Math.Abs(theirs[k] - ours[i * features + k]));
            }
            images.Add(new FeatureDifference(maxDifference, largest));
        }
        return new PretrainedBodyCheck(images, features, torchMs, onnxMs);
    }
}
