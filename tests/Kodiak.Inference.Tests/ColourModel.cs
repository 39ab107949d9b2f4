using System.Text.Json;
using Google.Protobuf;
using Kodiak.Vision;
using Onnx;

namespace Kodiak.Inference.Tests;

/// <summary>
/// A hand-made bundle whose "network" scores red, green and blue by the image's mean of each channel:
/// logits = Sharpness · mean(channel), probabilities = softmax(logits).
/// </summary>
internal static class ColourModel
{
    public const float Sharpness = 10f;
    public static readonly string[] Classes = ["red", "green", "blue"];

    /// <summary>The probabilities the model must give for an image whose channel means are <paramref name="means"/> (in [0, 1]).</summary>
    public static float[] Expected(params double[] means)
    {
        var exp = means.Select(m => Math.Exp(Sharpness * m)).ToArray();
        return [.. exp.Select(e => (float)(e / exp.Sum()))];
    }

    public static string Write(string path, int size = 16, int outputs = 3)
    {
        var manifest = new BundleManifest
        {
            FormatVersion = ModelBundle.FormatVersion,
            Architecture = "ChannelMeans",
            Classes = Classes,
            Input = new ModelInput("image", size, size, "NCHW", "RGB", [0f, 1f], "nothing"),
            ItemTransforms = [JsonSerializer.SerializeToElement(TransformRecipe.ToJson(new Resize(size, ResizeMethod.Squish)))],
            Training = new TrainingSummary("colours", new Dictionary<string, IReadOnlyDictionary<string, int>>(), 0, new Dictionary<string, double>(), 0, "test"),
        };
        ModelBundle.Write(path, manifest, Graph(size, outputs), _ => { });
        return path;
    }

    static byte[] Graph(int size, int outputs)
    {
        var graph = new GraphProto { Name = "colours" };
        graph.Input.Add(Value("image", -1, 3, size, size));
        graph.Output.Add(Value("probabilities", -1, outputs));
        var sharpness = new TensorProto { Name = "sharpness", DataType = (int)TensorProto.Types.DataType.Float };
        sharpness.FloatData.Add(Sharpness);
        graph.Initializer.Add(sharpness);
        graph.Node.Add(Node("GlobalAveragePool", ["image"], "pooled"));
        graph.Node.Add(Node("Flatten", ["pooled"], "means"));
        graph.Node.Add(Node("Mul", ["means", "sharpness"], "logits"));
        var softmax = Node("Softmax", ["logits"], "probabilities");
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        return model.ToByteArray();
    }

    static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
