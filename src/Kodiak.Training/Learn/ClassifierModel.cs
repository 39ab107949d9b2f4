using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training;

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
    public ClassifierModel(Arch arch, int classes) : base(nameof(ClassifierModel))
    {
        if (arch != Arch.ResNet18) throw new ArgumentOutOfRangeException(nameof(arch), arch, "Only ResNet18 is available.");
        input = new CntkImageNetInput();
        body = ResNet18Body.LoadPretrained();
        head = new ClassifierHead(ResNet18Body.FeatureChannels, classes);
        RegisterComponents();
    }

    /// <summary>The pretrained body.</summary>
    public ResNet18Body Body => body;

    /// <summary>The classification head.</summary>
    public ClassifierHead Head => head;

    /// <summary>Logits [N, classes] for RGB images in [0, 1], [N, 3, H, W].</summary>
    /// <param name="rgb01">The images.</param>
    public override Tensor forward(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        return head.forward(body.forward(input.forward(rgb01))).MoveToOuterDisposeScope();
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
