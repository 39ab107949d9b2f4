using System.Runtime.InteropServices;
using Google.Protobuf;
using Kodiak.Bundle;
using Kodiak.Training.Models;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Export;

/// <summary>
/// Writes a <see cref="ClassifierModel"/> as an ONNX graph by hand (TorchSharp has no ONNX export), in eval mode:
/// input <c>image</c> float [N, 3, H, W], RGB in [0, 1]; outputs <c>logits</c> and <c>probabilities</c> [N, classes]
/// and <c>features</c> [N, 512], the body's globally average-pooled features (for similarity); dynamic batch; opset 17.
/// </summary>
/// <remarks>
/// Everything the eval-mode model does is folded where that is exact: each BatchNorm into the convolution before it
/// (scale into the kernel, shift into a bias); the head's BatchNorm1d layers into the Linear <em>after</em> them
/// (W·(a⊙x + b) = (W·diag a)·x + W·b); the input convention's channel flip and ×255 into the stem kernel. Only its
/// mean stays a node, subtracted before the stem's zero padding, because padding a shifted image is not padding the image.
/// </remarks>
internal sealed class OnnxExport
{
    internal const int FeatureCount = 512;
    const int Opset = 17;
    const int IrVersion = 8;

    readonly GraphProto _graph = new() { Name = nameof(ClassifierModel) };
    int _nodes;

    OnnxExport()
    {
    }

    /// <summary>The serialised ONNX model of <paramref name="model"/> for <paramref name="width"/> × <paramref name="height"/> images.</summary>
    /// <param name="model">The model; its weights are read, its mode is left as it was.</param>
    /// <param name="classes">Class names, stored as model metadata.</param>
    /// <param name="width">Input width.</param>
    /// <param name="height">Input height.</param>
    internal static byte[] Export(ClassifierModel model, IReadOnlyList<string> classes, int width, int height)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var export = new OnnxExport();
        var graph = export._graph;
        graph.Input.Add(Value(OnnxTensors.Input, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(3), Fixed(height), Fixed(width)));
        string features = export.Body(model.Body, OnnxTensors.Input);
        export.Head(model.Head, features);
        graph.Output.Add(Value(OnnxTensors.Logits, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(classes.Count)));
        graph.Output.Add(Value(OnnxTensors.Probabilities, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(classes.Count)));
        graph.Output.Add(Value(OnnxTensors.Features, new TensorShapeProto.Types.Dimension { DimParam = "batch" }, Fixed(FeatureCount)));
        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Kodiak",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            Graph = graph,
            DocString = "Image classifier exported by Kodiak. Input: RGB in [0, 1], NCHW; normalisation is inside the graph.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = string.Join("\n", classes) });
        return proto.ToByteArray();
    }

    string Body(ResNet18Body body, string input)
    {
        // RGB in [0, 1] → 255·BGR − mean_BGR is 255·flip(x − mean_RGB/255): subtract here, flip and scale the stem kernel.
        var meanRgb01 = CntkImageNetInput.MeanBgr.Reverse().Select(m => m / CntkImageNetInput.Scale).ToArray();
        string x = Node("Sub", [input, Initializer("input_mean", meanRgb01, [1, 3, 1, 1])]);
        using (var stemKernel = body.Conv1.Weight.flip(1).mul(CntkImageNetInput.Scale))
            x = Node("Relu", [ConvBn(x, body.Conv1, stemKernel, body.Bn1, "conv1")]);
        x = Node("MaxPool", [x],
            Ints("kernel_shape", body.MaxPoolKernelSize, body.MaxPoolKernelSize),
            Ints("strides", body.MaxPoolStride, body.MaxPoolStride),
            SameLowerPadding);
        var stages = body.Stages;
        for (int s = 0; s < stages.Count; s++)
            for (int b = 0; b < stages[s].Count; b++)
            {
                var block = stages[s][b];
                string name = $"layer{s + 1}.{b}";
                string main = Node("Relu", [ConvBn(x, block.Conv1, block.Conv1.Weight, block.Bn1, $"{name}.conv1")]);
                main = ConvBn(main, block.Conv2, block.Conv2.Weight, block.Bn2, $"{name}.conv2");
                string shortcut = block.DownsampleConv is { } conv
                    ? ConvBn(x, conv, conv.Weight, block.DownsampleBn!, $"{name}.downsample")
                    : x;
                x = Node("Relu", [Node("Add", [main, shortcut])]);
            }

        return x;
    }

    void Head(ClassifierHead head, string features)
    {
        // fastai's AdaptiveConcatPool2d: max first, then average.
        string average = Node("GlobalAveragePool", [features]);
        _graph.Node.Add(NewNode("Flatten", [average], OnnxTensors.Features, Int("axis", 1)));
        string pooled = Node("Concat", [Node("GlobalMaxPool", [features]), average], Int("axis", 1));
        string x = Node("Flatten", [pooled], Int("axis", 1));
        x = Node("Relu", [BnLinear(x, head.Bn1, head.Lin1, "lin1")]);
        x = BnLinear(x, head.Bn2, head.Lin2, "lin2");
        _graph.Node.Add(NewNode("Identity", [x], OnnxTensors.Logits));
        _graph.Node.Add(NewNode("Softmax", [OnnxTensors.Logits], OnnxTensors.Probabilities, Int("axis", 1)));
    }

    /// <summary>Conv with <paramref name="kernel"/>, then eval-mode BatchNorm, as one Conv with a bias.</summary>
    string ConvBn(string input, PaddedConv2d conv, Tensor kernel, BatchNorm2d bn, string name)
    {
        var (scale, shift) = Affine(bn);
        var folded = kernel.to(ScalarType.Float64).mul(scale.view(-1, 1, 1, 1));
        return Node("Conv", [input, Initializer($"{name}.weight", folded), Initializer($"{name}.bias", shift)],
            Ints("kernel_shape", conv.KernelSize, conv.KernelSize),
            Ints("strides", conv.Stride, conv.Stride),
            conv.PadsLikeSame ? SameLowerPadding : Ints("pads", conv.Pads.ToOnnxPads()));
    }

    /// <summary>Eval-mode BatchNorm1d, then a bias-free Linear, as one Gemm.</summary>
    string BnLinear(string input, BatchNorm1d bn, Linear linear, string name)
    {
        var (scale, shift) = Affine(bn);
        var weight = linear.weight!.to(ScalarType.Float64);
        var folded = weight.mul(scale.view(1, -1));
        var bias = weight.matmul(shift);
        return Node("Gemm", [input, Initializer($"{name}.weight", folded), Initializer($"{name}.bias", bias)], Int("transB", 1));
    }

    /// <summary>BatchNorm in eval mode as y = scale·x + shift, per channel, in double precision.</summary>
    static (Tensor Scale, Tensor Shift) Affine(NormBase bn)
    {
        var scale = bn.weight!.to(ScalarType.Float64).div(bn.running_var!.to(ScalarType.Float64).add(bn.eps).sqrt());
        var shift = bn.bias!.to(ScalarType.Float64).sub(bn.running_mean!.to(ScalarType.Float64).mul(scale));
        return (scale, shift);
    }

    string Initializer(string name, Tensor values) =>
        Initializer(name, values.to(ScalarType.Float32).contiguous().data<float>().ToArray(), values.shape);

    string Initializer(string name, float[] values, long[] shape)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        // raw_data is little-endian, as is every platform .NET runs on here.
        proto.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(proto);
        return name;
    }

    string Node(string op, string[] inputs, params AttributeProto[] attributes)
    {
        string output = $"{op.ToLowerInvariant()}_{_nodes}";
        _graph.Node.Add(NewNode(op, inputs, output, attributes));
        return output;
    }

    NodeProto NewNode(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_nodes++}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    // The strided layers' padding rule for any input size (extra row or column at the top or left), as PaddedConv2d applies it.
    static AttributeProto SameLowerPadding => new()
    {
        Name = "auto_pad",
        Type = AttributeProto.Types.AttributeType.String,
        S = ByteString.CopyFromUtf8("SAME_LOWER"),
    };

    static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    static TensorShapeProto.Types.Dimension Fixed(long size) => new() { DimValue = size };

    static ValueInfoProto Value(string name, params TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
