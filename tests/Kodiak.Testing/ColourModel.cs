using System.Text.Json;
using Google.Protobuf;
using Kodiak.Bundle;
using Kodiak.Vision.Transforms;
using Onnx;

namespace Kodiak.Testing;

/// <summary>
/// A hand-made bundle whose "network" scores red, green and blue by the image's mean of each channel:
/// logits = Sharpness · mean(channel), probabilities = softmax(logits); its features are the image average-pooled
/// to 4 × 4, channel by channel (48 numbers), so identical images have identical features. With
/// <c>outOfDomain: true</c> it carries an out-of-domain calibration (see <see cref="Calibration"/>) fitted on solid colours.
/// </summary>
public static class ColourModel
{
    public const float Sharpness = 10f;
    public static readonly string[] Classes = ["red", "green", "blue"];

    /// <summary>The probabilities the model must give for an image whose channel means are <paramref name="means"/> (in [0, 1]).</summary>
    public static float[] Expected(params double[] means)
    {
        var exp = means.Select(m => Math.Exp(Sharpness * m)).ToArray();
        return [.. exp.Select(e => (float)(e / exp.Sum()))];
    }

    /// <summary>
    /// Writes the bundle; <paramref name="validItems"/> is the validation set it records, if any, <paramref name="resizeTo"/>
    /// the size its item transform gives (the model's <paramref name="size"/> unless a damaged bundle is wanted),
    /// <paramref name="classes"/> the names its manifest gives the three outputs (<see cref="Classes"/> unless given).
    /// </summary>
    public static string Write(string path, int size = 16, int outputs = 3, bool features = true, IReadOnlyList<string>? validItems = null,
        int? resizeTo = null, string dataFolder = "colours", bool outOfDomain = false, IReadOnlyList<string>? classes = null)
    {
        var manifest = new BundleManifest
        {
            FormatVersion = ModelBundle.FormatVersion,
            Architecture = "ChannelMeans",
            Classes = classes ?? Classes,
            Input = new ModelInput(OnnxTensors.Input, size, size, "NCHW", "RGB", [0f, 1f], "nothing"),
            ItemTransforms = [JsonSerializer.SerializeToElement(TransformRecipe.ToJson(new Resize(resizeTo ?? size, ResizeMethod.Squish)))],
            Training = new TrainingSummary(dataFolder, new Dictionary<string, IReadOnlyDictionary<string, int>>(), 0, new Dictionary<string, double>(), 0, "test")
            {
                ValidItems = validItems,
            },
        };
        var entries = new Dictionary<string, ReadOnlyMemory<byte>>();
        if (outOfDomain)
            entries[OutOfDomainCalibration.EntryName] = Calibration().ToJson();
        ModelBundle.Write(path, manifest, Graph(size, outputs, features), entries);
        return path;
    }

    /// <summary>
    /// A Mahalanobis calibration (5% false alarms) fitted on what the model gives for solid, mostly-one-channel colours
    /// (fixed seed): solid colours of one dominant channel are in domain; an image that is not one colour (its 4 × 4
    /// features differ within a channel) is far out of it.
    /// </summary>
    public static OutOfDomainCalibration Calibration()
    {
        var random = new Random(7);
        (float[] Logits, float[] Features, int Label) Sample(int label)
        {
            double[] means = [.. Enumerable.Range(0, 3).Select(c => c == label ? 0.6 + (0.4 * random.NextDouble()) : 0.35 * random.NextDouble())];
            return ([.. means.Select(m => (float)(Sharpness * m))], [.. means.SelectMany(m => Enumerable.Repeat((float)m, 16))], label);
        }

        var train = Enumerable.Range(0, 90).Select(i => Sample(i % 3)).ToList();
        var valid = Enumerable.Range(0, 60).Select(i => Sample(i % 3)).ToList();
        return OutOfDomainCalibrator.Calibrate(OutOfDomainMethod.Mahalanobis, [.. train.Select(t => t.Features)], [.. train.Select(t => t.Label)], 3,
            [.. valid.Select(v => v.Logits)], [.. valid.Select(v => v.Features)]);
    }

    static byte[] Graph(int size, int outputs, bool features)
    {
        var graph = new GraphProto { Name = "colours" };
        graph.Input.Add(Value(OnnxTensors.Input, -1, 3, size, size));
        graph.Output.Add(Value(OnnxTensors.Probabilities, -1, outputs));
        graph.Output.Add(Value(OnnxTensors.Logits, -1, Classes.Length));
        var sharpness = new TensorProto { Name = "sharpness", DataType = (int)TensorProto.Types.DataType.Float };
        sharpness.FloatData.Add(Sharpness);
        graph.Initializer.Add(sharpness);
        graph.Node.Add(Node("GlobalAveragePool", [OnnxTensors.Input], "pooled"));
        graph.Node.Add(Node("Flatten", ["pooled"], "means"));
        graph.Node.Add(Node("Mul", ["means", "sharpness"], OnnxTensors.Logits));
        var softmax = Node("Softmax", [OnnxTensors.Logits], OnnxTensors.Probabilities);
        softmax.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(softmax);
        if (features)
        {
            graph.Output.Add(Value(OnnxTensors.Features, -1, 48));
            var pool = Node("AveragePool", [OnnxTensors.Input], "pooled4");
            pool.Attribute.Add(Ints("kernel_shape", size / 4, size / 4));
            pool.Attribute.Add(Ints("strides", size / 4, size / 4));
            graph.Node.Add(pool);
            graph.Node.Add(Node("Flatten", ["pooled4"], OnnxTensors.Features));
        }

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

    static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
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
