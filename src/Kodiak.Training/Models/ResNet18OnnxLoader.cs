using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// Copies the weights of ML.NET's CNTK-exported ResNet18 ONNX graph into a <see cref="ResNet18Body"/>.
/// </summary>
/// <remarks>
/// Initialiser names (<c>Parameter91</c>, <c>Constant98</c>, …) carry no meaning, so the graph is walked
/// from its input along the data flow — Conv→BatchNormalization→Relu, MaxPool, then one residual block
/// per Add — and each node is matched to the module in the same order. Conv pads and strides and BN
/// epsilons come from node attributes; every tensor's shape is checked against its target.
/// </remarks>
internal sealed class ResNet18OnnxLoader
{
    private readonly string _source;
    private readonly GraphProto _graph;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, List<NodeProto>> _consumers = [];
    private int _convsMapped;
    private int _batchNormsMapped;

    private ResNet18OnnxLoader(ModelProto model, string source)
    {
        _source = source;
        _graph = model.Graph ?? throw new InvalidDataException($"{source}: the ONNX model has no graph.");
        _initializers = [];
        foreach (var init in _graph.Initializer)
            _initializers[init.Name] = init;
        foreach (var node in _graph.Node)
            foreach (var input in node.Input)
            {
                if (!_consumers.TryGetValue(input, out var list))
                    _consumers[input] = list = [];
                list.Add(node);
            }
    }

    /// <summary>Reads <paramref name="onnxPath"/> and loads it into <paramref name="body"/>.</summary>
    internal static void Load(ResNet18Body body, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(onnxPath);
        var fullPath = Path.GetFullPath(onnxPath);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException(
                $"Pretrained ResNet18 ONNX model not found at '{fullPath}'. It comes from the NuGet package " +
                "Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, which Kodiak.Training copies into its build output " +
                $"as {ResNet18Body.DefaultOnnxRelativePath}.", fullPath);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fullPath));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"'{fullPath}' is not a readable ONNX model: {e.Message}", e);
        }
        Load(body, model, fullPath);
    }

    /// <summary>Loads an already-parsed model; <paramref name="source"/> names it in error messages.</summary>
    internal static void Load(ResNet18Body body, ModelProto model, string source)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        new ResNet18OnnxLoader(model, source).Run(body);
    }

    private void Run(ResNet18Body body)
    {
        var graphInputs = _graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        if (graphInputs.Count != 1)
            throw Fail($"expected exactly one image input, found {graphInputs.Count} ({string.Join(", ", graphInputs.Select(i => i.Name))}).");

        // Stem: Conv → BN → Relu → MaxPool.
        var x = graphInputs[0].Name;
        var stemConv = SingleConsumer(x, "Conv");
        x = MapConvBn(stemConv, body.Conv1, body.Bn1, "conv1", "bn1");
        x = SingleConsumer(x, "Relu").Output[0];
        x = MapMaxPool(SingleConsumer(x, "MaxPool"), body);

        var stages = body.Stages;
        for (var s = 0; s < stages.Count; s++)
            for (var b = 0; b < stages[s].Count; b++)
                x = MapBlock(x, stages[s][b], $"layer{s + 1}.{b}");

        // Nothing convolutional may follow: the graph must not hold more blocks than the module.
        var rest = Consumers(x);
        if (rest.Count != 1 || rest[0].OpType is not ("AveragePool" or "GlobalAveragePool"))
            throw Fail($"after the last residual block ('{x}') expected one AveragePool, found [{Describe(rest)}]; " +
                       "the graph has a different number of blocks than ResNet18Body.");
        var convs = _graph.Node.Count(n => n.OpType == "Conv");
        var bns = _graph.Node.Count(n => n.OpType == "BatchNormalization");
        if (convs != _convsMapped || bns != _batchNormsMapped)
            throw Fail($"mapped {_convsMapped} of {convs} Conv and {_batchNormsMapped} of {bns} BatchNormalization nodes; the graph is not a plain ResNet18 body.");
    }

    /// <summary>One residual block: main branch conv1→bn1→relu→conv2→bn2, shortcut identity or conv→bn, then Add→Relu.</summary>
    private string MapBlock(string x, ResNetBasicBlock block, string path)
    {
        NodeProto? mainConv = null, shortcutConv = null;
        string? shortcutOut = null;
        foreach (var conv in Consumers(x).Where(n => n.OpType == "Conv"))
        {
            // Tell the branches apart by what follows the BN: a Relu on the main branch, the Add on the shortcut.
            var bn = SingleConsumer(conv.Output[0], "BatchNormalization");
            var next = SingleConsumer(bn.Output[0]);
            if (next.OpType == "Relu" && mainConv is null)
                mainConv = conv;
            else if (next.OpType == "Add" && shortcutConv is null)
                (shortcutConv, shortcutOut) = (conv, bn.Output[0]);
            else
                throw Fail($"node '{NodeName(conv)}' reading '{x}' is neither a block's first conv nor its shortcut conv (its BN feeds {next.OpType} '{NodeName(next)}').");
        }
        if (mainConv is null)
            throw Fail($"expected residual block {path} to start with a Conv→BatchNormalization→Relu reading '{x}', found [{Describe(Consumers(x))}].");

        var h = MapConvBn(mainConv, block.Conv1, block.Bn1, $"{path}.conv1", $"{path}.bn1");
        h = SingleConsumer(h, "Relu").Output[0];
        var conv2 = SingleConsumer(h, "Conv");
        h = MapConvBn(conv2, block.Conv2, block.Bn2, $"{path}.conv2", $"{path}.bn2");
        var add = SingleConsumer(h, "Add");
        if (add.Input.Count != 2 || !add.Input.Contains(h))
            throw Fail($"Add node '{NodeName(add)}' of block {path} should have exactly two inputs, one of them '{h}'.");
        var shortcutInput = add.Input[0] == h ? add.Input[1] : add.Input[0];

        if (shortcutConv is null)
        {
            if (block.DownsampleConv is not null)
                throw Fail($"block {path} has a downsample shortcut, but Add node '{NodeName(add)}' has none (its other input is '{shortcutInput}').");
            if (shortcutInput != x)
                throw Fail($"Add node '{NodeName(add)}' of block {path}: identity shortcut should be the block input '{x}', got '{shortcutInput}'.");
        }
        else
        {
            if (block.DownsampleConv is null || block.DownsampleBn is null)
                throw Fail($"Add node '{NodeName(add)}' of block {path} has a conv shortcut ('{NodeName(shortcutConv)}'), but the module's block has an identity shortcut.");
            if (shortcutInput != shortcutOut)
                throw Fail($"Add node '{NodeName(add)}' of block {path} does not add the shortcut conv '{NodeName(shortcutConv)}'.");
            MapConvBn(shortcutConv, block.DownsampleConv, block.DownsampleBn, $"{path}.downsample.0", $"{path}.downsample.1");
        }
        return SingleConsumer(add.Output[0], "Relu").Output[0];
    }

    /// <summary>Maps a Conv and the BatchNormalization reading it; returns the BN output's name.</summary>
    private string MapConvBn(NodeProto conv, PaddedConv2d targetConv, BatchNorm2d targetBn, string convPath, string bnPath)
    {
        if (conv.Input.Count != 2)
            throw Fail($"Conv node '{NodeName(conv)}' has {conv.Input.Count} inputs; {convPath} has no bias, so expected 2.");
        if (IntAttribute(conv, "group", 1) != 1)
            throw Fail($"Conv node '{NodeName(conv)}' is grouped; {convPath} is not.");
        if (IntsAttribute(conv, "dilations") is { } dilations && dilations.Any(d => d != 1))
            throw Fail($"Conv node '{NodeName(conv)}' is dilated [{string.Join(", ", dilations)}]; {convPath} is not.");
        if (StringAttribute(conv, "auto_pad") is { } autoPad && autoPad is not ("" or "NOTSET"))
            throw Fail($"Conv node '{NodeName(conv)}' uses auto_pad={autoPad}; only explicit pads are supported.");
        var kernel = IntsAttribute(conv, "kernel_shape");
        if (kernel is not null && (kernel.Length != 2 || kernel[0] != targetConv.KernelSize || kernel[1] != targetConv.KernelSize))
            throw Fail($"Conv node '{NodeName(conv)}' has kernel_shape [{string.Join(", ", kernel)}]; {convPath} is {targetConv.KernelSize}×{targetConv.KernelSize}.");
        var strides = IntsAttribute(conv, "strides") ?? [1, 1];
        if (strides.Length != 2 || strides[0] != strides[1])
            throw Fail($"Conv node '{NodeName(conv)}' has strides [{string.Join(", ", strides)}]; only equal 2-D strides are supported.");
        var pads = IntsAttribute(conv, "pads") ?? [0, 0, 0, 0];
        if (pads.Length != 4 || pads.Any(p => p < 0))
            throw Fail($"Conv node '{NodeName(conv)}' has pads [{string.Join(", ", pads)}]; expected four non-negative values.");

        var declared = Padding2d.FromOnnxPads(pads);
        if (strides[0] > 1 && !declared.FitsSameLower(targetConv.KernelSize, strides[0]))
            throw Fail($"Conv node '{NodeName(conv)}' pads {declared} with stride {strides[0]}; Kodiak only knows the \"same\" rule with the extra row and column at the top and left.");

        CopyInto(conv, 1, targetConv.Weight, $"{convPath}.weight");
        targetConv.Stride = strides[0];
        targetConv.Pads = declared;
        _convsMapped++;

        var bn = SingleConsumer(conv.Output[0], "BatchNormalization");
        if (bn.Input.Count != 5 || bn.Input[0] != conv.Output[0])
            throw Fail($"BatchNormalization node '{NodeName(bn)}' should read '{conv.Output[0]}' plus scale, bias, mean and var.");
        if (IntAttribute(bn, "spatial", 1) != 1)
            throw Fail($"BatchNormalization node '{NodeName(bn)}' is not spatial; {bnPath} normalises per channel.");
        CopyInto(bn, 1, targetBn.weight ?? throw Fail($"{bnPath} has no affine weight."), $"{bnPath}.weight");
        CopyInto(bn, 2, targetBn.bias ?? throw Fail($"{bnPath} has no affine bias."), $"{bnPath}.bias");
        CopyInto(bn, 3, targetBn.running_mean ?? throw Fail($"{bnPath} does not track running stats."), $"{bnPath}.running_mean");
        CopyInto(bn, 4, targetBn.running_var ?? throw Fail($"{bnPath} does not track running stats."), $"{bnPath}.running_var");
        targetBn.eps = FloatAttribute(bn, "epsilon", 1e-5f);
        _batchNormsMapped++;
        return bn.Output[0];
    }

    private string MapMaxPool(NodeProto pool, ResNet18Body body)
    {
        var kernel = IntsAttribute(pool, "kernel_shape");
        if (kernel is not { Length: 2 } || kernel[0] != kernel[1])
            throw Fail($"MaxPool node '{NodeName(pool)}' has kernel_shape [{string.Join(", ", kernel ?? [])}]; expected a square 2-D window.");
        var strides = IntsAttribute(pool, "strides") ?? [1, 1];
        if (strides.Length != 2 || strides[0] != strides[1])
            throw Fail($"MaxPool node '{NodeName(pool)}' has strides [{string.Join(", ", strides)}]; only equal 2-D strides are supported.");
        if (StringAttribute(pool, "auto_pad") is { } autoPad && autoPad is not ("" or "NOTSET"))
            throw Fail($"MaxPool node '{NodeName(pool)}' uses auto_pad={autoPad}; only explicit pads are supported.");
        var declared = Padding2d.FromOnnxPads(IntsAttribute(pool, "pads") ?? [0, 0, 0, 0]);
        if (!declared.FitsSameLower(kernel[0], strides[0]))
            throw Fail($"MaxPool node '{NodeName(pool)}' pads {declared}; Kodiak only knows the \"same\" rule with the extra row and column at the top and left.");
        body.MaxPoolKernelSize = kernel[0];
        body.MaxPoolStride = strides[0];
        return pool.Output[0];
    }

    /// <summary>Copies initialiser input <paramref name="inputIndex"/> of <paramref name="node"/> into <paramref name="target"/>.</summary>
    private void CopyInto(NodeProto node, int inputIndex, Tensor target, string targetPath)
    {
        var name = node.Input[inputIndex];
        if (!_initializers.TryGetValue(name, out var init))
            throw Fail($"{node.OpType} node '{NodeName(node)}': input '{name}' (for {targetPath}) is not an initialiser.");
        if (init.DataType != (int)TensorProto.Types.DataType.Float)
            throw Fail($"{node.OpType} node '{NodeName(node)}': initialiser '{name}' has data type {init.DataType}, expected FLOAT.");
        var dims = init.Dims.ToArray();
        if (!dims.SequenceEqual(target.shape))
            throw Fail($"{node.OpType} node '{NodeName(node)}': initialiser '{name}' has shape [{string.Join(", ", dims)}], " +
                       $"but {targetPath} is [{string.Join(", ", target.shape)}].");
        float[] data;
        if (init.FloatData.Count > 0)
            data = [.. init.FloatData];
        else if (!init.RawData.IsEmpty)
        {
            // raw_data is little-endian; so is every platform .NET and libtorch run on here.
            if (init.RawData.Length % sizeof(float) != 0)
                throw Fail($"{node.OpType} node '{NodeName(node)}': initialiser '{name}' has {init.RawData.Length} raw bytes, not a whole number of floats.");
            data = MemoryMarshal.Cast<byte, float>(init.RawData.Span).ToArray();
        }
        else
            throw Fail($"{node.OpType} node '{NodeName(node)}': initialiser '{name}' has no inline data (external data is not supported).");
        if (data.LongLength != target.numel())
            throw Fail($"{node.OpType} node '{NodeName(node)}': initialiser '{name}' holds {data.LongLength} values for shape [{string.Join(", ", dims)}].");
        using var source = tensor(data, dims);
        target.copy_(source);
    }

    private List<NodeProto> Consumers(string tensorName) =>
        _consumers.TryGetValue(tensorName, out var list) ? list : [];

    /// <summary>The one node reading <paramref name="tensorName"/>, optionally of a given op type.</summary>
    private NodeProto SingleConsumer(string tensorName, string? opType = null)
    {
        var consumers = Consumers(tensorName);
        if (consumers.Count != 1 || (opType is not null && consumers[0].OpType != opType))
            throw Fail($"expected '{tensorName}' to feed exactly one {opType ?? "node"}, found [{Describe(consumers)}].");
        return consumers[0];
    }

    private static string Describe(IEnumerable<NodeProto> nodes) =>
        string.Join(", ", nodes.Select(n => $"{n.OpType} '{NodeName(n)}'"));

    // Unnamed nodes are identified by their first output, which is unique in a valid graph.
    private static string NodeName(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? "<unnamed>";

    private static AttributeProto? Attribute(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name);

    private static long[]? IntsAttribute(NodeProto node, string name) => Attribute(node, name)?.Ints.ToArray();

    private static long IntAttribute(NodeProto node, string name, long fallback) => Attribute(node, name)?.I ?? fallback;

    private static float FloatAttribute(NodeProto node, string name, float fallback) => Attribute(node, name)?.F ?? fallback;

    private static string? StringAttribute(NodeProto node, string name) => Attribute(node, name)?.S.ToStringUtf8();

    private InvalidDataException Fail(string message) => new($"{_source}: {message}");
}
