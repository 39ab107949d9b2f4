using Kodiak.Bundle;
using Kodiak.Training.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// The whole classifier: the backbone's input convention (so it takes plain RGB in [0, 1]), the
/// pretrained body, and the head. Parameters come in fastai's three groups for a ResNet.
/// </summary>
public sealed class ClassifierModel : nn.Module<Tensor, Tensor>
{
    readonly CntkImageNetInput input;
    readonly ResNet18Body body;
    readonly ClassifierHead head;

    /// <summary>Builds a model for <paramref name="classes"/> classes on the pretrained body.</summary>
    /// <param name="arch">The pretrained architecture.</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="random">Generator of the head's initial weights and dropout masks; null draws from libtorch's global generator.</param>
    public ClassifierModel(Arch arch, int classes, Generator? random = null) : this(PretrainedBody(arch), classes, random)
    {
    }

    ClassifierModel(ResNet18Body body, int classes, Generator? random = null) : base(nameof(ClassifierModel))
    {
        input = new CntkImageNetInput();
        this.body = body;
        head = new ClassifierHead(ResNet18Body.FeatureChannels, classes, random);
        RegisterComponents();
    }

    static ResNet18Body PretrainedBody(Arch arch) =>
        arch == Arch.ResNet18 ? ResNet18Body.LoadPretrained() : throw new ArgumentOutOfRangeException(nameof(arch), arch, "Only ResNet18 is available.");

    /// <summary>
    /// The trained model exported as a <c>.kodiak</c> bundle (see <see cref="ModelExport.Export"/>), in training mode,
    /// ready to train further or to evaluate after <c>eval()</c>. Its TorchSharp weights are read from the file the export
    /// wrote beside the bundle (from inside format-1 bundles), because the bundle's ONNX graph has its BatchNorm layers
    /// folded into the convolutions and cannot give them back.
    /// </summary>
    /// <param name="bundlePath">The bundle.</param>
    /// <exception cref="FileNotFoundException">No such bundle, or no weights file beside it.</exception>
    /// <exception cref="InvalidDataException">
    /// Not a readable bundle, another architecture, weights that belong to another export, or weights that do not fit.
    /// </exception>
    public static ClassifierModel Load(string bundlePath)
    {
        var bundle = ModelBundle.Open(bundlePath);
        if (bundle.Manifest.Architecture != nameof(Arch.ResNet18))
            throw new InvalidDataException($"'{bundle.Path}' holds a {bundle.Manifest.Architecture}; Kodiak.Training can load only {nameof(Arch.ResNet18)}.");
        using var weights = new MemoryStream(bundle.ReadTrainingWeights(), writable: false);
        var model = new ClassifierModel(new ResNet18Body(), bundle.Manifest.Classes.Count);
        try
        {
            model.load(weights);
            return model;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            model.Dispose();
            throw new InvalidDataException($"'{bundle.Path}': its TorchSharp weights do not fit a {nameof(Arch.ResNet18)} for {bundle.Manifest.Classes.Count} classes: {e.Message}", e);
        }
    }

    /// <summary>The pretrained body.</summary>
    public ResNet18Body Body => body;

    /// <summary>
    /// What <see cref="forward"/> computes in: <see cref="Models.Precision.Fp32"/> (the default) or
    /// <see cref="Models.Precision.Bf16"/>, the body in bfloat16 on a per-pass bf16 copy of the fp32 weights, its output
    /// back in fp32 for the head; the weights themselves stay fp32. Resolve <see cref="Models.Precision.Auto"/> with
    /// <see cref="PrecisionChoice.Of(Models.Precision)"/> first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to Auto.</exception>
    public Precision Precision
    {
        get => _precision;
        set => _precision = value is Precision.Fp32 or Precision.Bf16 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "The model computes in fp32 or bf16; resolve auto with PrecisionChoice.Of first.");
    }

    Precision _precision = Precision.Fp32;

    /// <summary>Whether the body gets its input in channels-last memory order (measured in bench/README.md).</summary>
    internal bool ChannelsLast { get; set; }

    /// <summary>The classification head.</summary>
    public ClassifierHead Head => head;

    /// <summary>Logits [N, classes] for RGB images in [0, 1], [N, 3, H, W].</summary>
    /// <param name="rgb01">The images.</param>
    public override Tensor forward(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        return head.forward(FeatureMap(rgb01, _precision)).MoveToOuterDisposeScope();
    }

    // The body's feature map, in fp32 whatever it computed in: the head, the loss and the exported outputs stay fp32.
    Tensor FeatureMap(Tensor rgb01, Precision precision)
    {
        var x = input.forward(rgb01);
        bool bf16 = precision == Precision.Bf16;
        if (bf16) x = x.to(ScalarType.BFloat16);
        // TorchSharp has no memory_format argument: a permuted copy, viewed back as NCHW, has channels-last strides.
        if (ChannelsLast) x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        var map = body.forward(x);
        return bf16 ? map.to(ScalarType.Float32) : map;
    }

    /// <summary>
    /// Logits [N, classes] and the body's globally average-pooled features [N, 512], the exported model's
    /// <c>logits</c> and <c>features</c> outputs, so computed in fp32 as the exported model is, whatever <see cref="Precision"/> says.
    /// </summary>
    internal (Tensor Logits, Tensor Features) ForwardWithFeatures(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        var activations = FeatureMap(rgb01, Precision.Fp32);
        var logits = head.forward(activations);
        var features = activations.mean([2, 3]);
        return (logits.MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// fastai's ResNet split: stem, layer1 and layer2 / layer3 and layer4 / the head, so that a
    /// learning-rate range can be spread across them and freezing can stop at a group.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<(string Name, Parameter Parameter)>> ParameterGroups()
    {
        var late = new[] { "layer3.", "layer4." };
        var bodyParameters = body.named_parameters().ToList();
        return
        [
            [.. bodyParameters.Where(p => !late.Any(p.name.StartsWith))],
            [.. bodyParameters.Where(p => late.Any(p.name.StartsWith))],
            [.. head.named_parameters()],
        ];
    }
}
