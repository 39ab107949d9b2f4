using Google.Protobuf;
using Kodiak.Bundle;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Kodiak.Quantization;

/// <summary>
/// The smallest and largest value each named tensor of an fp32 model takes over calibration batches (min-max
/// calibration), measured by running a copy of the model with those tensors added as outputs.
/// </summary>
internal static class ActivationRanges
{
    /// <summary>Runs <paramref name="model"/> on each batch of <paramref name="batches"/> and returns every tensor's range.</summary>
    /// <param name="model">The fp32 model (left unchanged).</param>
    /// <param name="tensors">Tensors of its graph to measure.</param>
    /// <param name="batches">Preprocessed images, [count, 3, height, width] each.</param>
    public static Dictionary<string, (float Min, float Max)> Measure(ModelProto model, IReadOnlyList<string> tensors,
        IEnumerable<(float[] Pixels, long[] Shape)> batches)
    {
        var probe = model.Clone();
        foreach (string tensor in tensors.Where(t => probe.Graph.Output.All(o => o.Name != t)))
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        using var session = new InferenceSession(probe.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var ranges = tensors.ToDictionary(t => t, _ => (Min: float.PositiveInfinity, Max: float.NegativeInfinity), StringComparer.Ordinal);
        foreach (var (pixels, shape) in batches)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
            using var outputs = session.Run(runOptions, [OnnxTensors.Input], [input], tensors);
            for (int t = 0; t < tensors.Count; t++)
            {
                var (min, max) = ranges[tensors[t]];
                foreach (float v in outputs[t].GetTensorDataAsSpan<float>())
                {
                    if (v < min) min = v;
                    if (v > max) max = v;
                }

                ranges[tensors[t]] = (min, max);
            }
        }

        if (ranges.Values.Any(r => r.Min > r.Max))
            throw new InvalidOperationException("Calibration needs at least one image.");
        return ranges;
    }
}
