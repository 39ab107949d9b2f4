using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Kodiak.Quantization;

/// <summary>
/// Rewrites an fp32 ONNX graph into QDQ form: every Conv, residual Add and MaxPool gets its activations through
/// QuantizeLinear → DequantizeLinear pairs (uint8, asymmetric) and each Conv its weights as per-output-channel int8
/// (symmetric) and its bias as int32, which ONNX Runtime fuses into QLinearConv and QLinearAdd and runs MaxPool on in
/// uint8. The head (pooling, Gemm, Softmax) stays fp32: it is a tiny share of the work and feeds the features output.
/// </summary>
/// <remarks>
/// A Relu right after a Conv or Add is dropped: quantizing to uint8 with zero point 0 clamps negatives to 0, which is the
/// Relu, and leaves Conv → QuantizeLinear, the pattern ONNX Runtime fuses (a Relu in between would stop the fusion).
/// MaxPool's output takes its input's scale and zero point, as ONNX Runtime needs to run it on the quantized values.
/// </remarks>
internal sealed class QdqGraph
{
    const string Quantize = "QuantizeLinear";
    const string Dequantize = "DequantizeLinear";

    readonly GraphProto _graph;
    readonly Dictionary<string, TensorProto> _initializers;
    readonly HashSet<NodeProto> _foldedRelus = [];

    // Each quantized node's output, after its Relu was folded in.
    readonly Dictionary<NodeProto, string> _outputs = [];

    // Activations quantized, each to the tensor whose range it takes (itself, or a MaxPool's input).
    readonly Dictionary<string, string> _quantized = new(StringComparer.Ordinal);

    /// <summary>Plans the rewrite of <paramref name="model"/> (left unchanged).</summary>
    public QdqGraph(ModelProto model)
    {
        _graph = model.Graph;
        _initializers = _graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in _graph.Node)
            foreach (string input in node.Input)
                (consumers.TryGetValue(input, out var list) ? list : consumers[input] = []).Add(node);
        var graphOutputs = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in _graph.Node.Where(IsQuantizable))
        {
            string output = node.Output[0];
            if (node.OpType != "MaxPool" && consumers.GetValueOrDefault(output) is [{ OpType: "Relu" } relu] && !graphOutputs.Contains(output)
                && !graphOutputs.Contains(relu.Output[0]))
            {
                _foldedRelus.Add(relu);
                output = relu.Output[0];
            }

            _outputs[node] = output;
            foreach (string input in ActivationInputs(node))
                _quantized.TryAdd(input, input);
        }

        // Outputs after inputs, so a MaxPool's output can name the tensor its input takes its range from.
        foreach (var (node, output) in _outputs)
            if (node.OpType == "MaxPool")
                _quantized[output] = _quantized[node.Input[0]];
            else
                _quantized.TryAdd(output, output);
    }

    /// <summary>The fp32 graph's tensors whose ranges the rewrite needs, to be measured on calibration images.</summary>
    public IReadOnlyList<string> Calibrated => [.. _quantized.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The QDQ model, given each <see cref="Calibrated"/> tensor's range over the calibration images.</summary>
    /// <param name="original">The model the rewrite was planned on.</param>
    /// <param name="ranges">The smallest and largest value each tensor took.</param>
    public ModelProto Rewrite(ModelProto original, IReadOnlyDictionary<string, (float Min, float Max)> ranges)
    {
        var parameters = _quantized.ToDictionary(q => q.Key, q => Parameters(ranges[q.Value]), StringComparer.Ordinal);
        var model = original.Clone();
        var graph = model.Graph;
        graph.Node.Clear();
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<TensorProto>();
        string Read(string tensor) => parameters.ContainsKey(tensor) ? tensor + "_dq" : tensor;

        // Inputs quantized before any node reads them (the graph's own inputs, were one quantized).
        foreach (string tensor in parameters.Keys.Where(t => _graph.Input.Any(i => i.Name == t)))
            AddQdq(graph, added, tensor, parameters[tensor]);
        foreach (var node in _graph.Node)
        {
            if (_foldedRelus.Contains(node))
                continue;
            var copy = node.Clone();
            copy.Input.Clear();
            if (node.OpType == "Conv" && _outputs.ContainsKey(node))
            {
                var (scale, _) = parameters[node.Input[0]];
                copy.Input.Add(Read(node.Input[0]));
                var weightScales = AddWeights(graph, added, _initializers[node.Input[1]]);
                copy.Input.Add(_initializers[node.Input[1]].Name + "_dq");
                replaced.Add(node.Input[1]);
                if (node.Input.Count > 2)
                {
                    AddBias(graph, added, _initializers[node.Input[2]], scale, weightScales);
                    copy.Input.Add(node.Input[2] + "_dq");
                    replaced.Add(node.Input[2]);
                }
            }
            else
                copy.Input.AddRange(node.Input.Select(Read));

            if (_outputs.TryGetValue(node, out string? output))
            {
                copy.Output.Clear();
                copy.Output.Add(output);
            }

            graph.Node.Add(copy);
            foreach (string tensor in copy.Output.Where(parameters.ContainsKey))
                AddQdq(graph, added, tensor, parameters[tensor]);
        }

        var kept = graph.Initializer.Where(i => !replaced.Contains(i.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept.Concat(added));
        return model;
    }

    static bool IsQuantizable(NodeProto node) => node.OpType is "Conv" or "Add" or "MaxPool";

    IEnumerable<string> ActivationInputs(NodeProto node) => node.OpType switch
    {
        "Conv" or "MaxPool" => [node.Input[0]],
        _ => node.Input.Where(i => !_initializers.ContainsKey(i)),
    };

    /// <summary>uint8 scale and zero point covering [min, max] widened to hold 0 (so padding and Relu's floor are exact).</summary>
    internal static (float Scale, byte ZeroPoint) Parameters((float Min, float Max) range)
    {
        float min = Math.Min(range.Min, 0), max = Math.Max(range.Max, 0);
        float scale = (max - min) / 255f;
        if (!(scale > 0) || !float.IsFinite(scale))
            return (1f, 0);
        return (scale, (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255));
    }

    static void AddQdq(GraphProto graph, List<TensorProto> added, string tensor, (float Scale, byte ZeroPoint) p)
    {
        added.Add(Tensor(tensor + "_scale", TensorProto.Types.DataType.Float, [], MemoryMarshal.AsBytes<float>([p.Scale])));
        added.Add(Tensor(tensor + "_zero_point", TensorProto.Types.DataType.Uint8, [], [p.ZeroPoint]));
        graph.Node.Add(Node(Quantize, [tensor, tensor + "_scale", tensor + "_zero_point"], tensor + "_q"));
        graph.Node.Add(Node(Dequantize, [tensor + "_q", tensor + "_scale", tensor + "_zero_point"], tensor + "_dq"));
    }

    /// <summary>Per-output-channel symmetric int8 weights (zero point 0, ±127) and their DequantizeLinear; returns the scales.</summary>
    static float[] AddWeights(GraphProto graph, List<TensorProto> added, TensorProto weight)
    {
        float[] values = Floats(weight);
        int channels = (int)weight.Dims[0], per = values.Length / channels;
        var scales = new float[channels];
        var quantized = new sbyte[values.Length];
        for (int c = 0; c < channels; c++)
        {
            var row = values.AsSpan(c * per, per);
            float largest = 0;
            foreach (float v in row)
                largest = Math.Max(largest, Math.Abs(v));
            scales[c] = largest > 0 ? largest / 127f : 1f;
            for (int i = 0; i < per; i++)
                quantized[c * per + i] = (sbyte)Math.Clamp(MathF.Round(row[i] / scales[c]), -127, 127);
        }

        string name = weight.Name;
        added.Add(Tensor(name + "_q", TensorProto.Types.DataType.Int8, [.. weight.Dims], MemoryMarshal.AsBytes(quantized.AsSpan())));
        added.Add(Tensor(name + "_scale", TensorProto.Types.DataType.Float, [channels], MemoryMarshal.AsBytes(scales.AsSpan())));
        added.Add(Tensor(name + "_zero_point", TensorProto.Types.DataType.Int8, [channels], new byte[channels]));
        graph.Node.Add(Node(Dequantize, [name + "_q", name + "_scale", name + "_zero_point"], name + "_dq", axis: 0));
        return scales;
    }

    /// <summary>The bias as int32 at the scale input × weight (what QLinearConv adds to its int32 sums) and its DequantizeLinear.</summary>
    static void AddBias(GraphProto graph, List<TensorProto> added, TensorProto bias, float inputScale, float[] weightScales)
    {
        float[] values = Floats(bias);
        var scales = new float[values.Length];
        var quantized = new int[values.Length];
        for (int c = 0; c < values.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
            quantized[c] = (int)Math.Clamp(Math.Round(values[c] / (double)scales[c]), int.MinValue, int.MaxValue);
        }

        string name = bias.Name;
        added.Add(Tensor(name + "_q", TensorProto.Types.DataType.Int32, [values.Length], MemoryMarshal.AsBytes(quantized.AsSpan())));
        added.Add(Tensor(name + "_scale", TensorProto.Types.DataType.Float, [values.Length], MemoryMarshal.AsBytes(scales.AsSpan())));
        added.Add(Tensor(name + "_zero_point", TensorProto.Types.DataType.Int32, [values.Length], new byte[values.Length * sizeof(int)]));
        graph.Node.Add(Node(Dequantize, [name + "_q", name + "_scale", name + "_zero_point"], name + "_dq", axis: 0));
    }

    static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"The initializer '{tensor.Name}' is not float32, so the model is not an fp32 export.");
        return tensor.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() : [.. tensor.FloatData];
    }

    static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, ReadOnlySpan<byte> raw)
    {
        var proto = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        proto.Dims.AddRange(dims);
        return proto;
    }

    static NodeProto Node(string op, string[] inputs, string output, long? axis = null)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        if (axis is long a)
            node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        return node;
    }
}
