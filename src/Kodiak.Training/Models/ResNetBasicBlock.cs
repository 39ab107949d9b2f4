using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// torchvision's ResNet <c>BasicBlock</c>: two 3×3 conv+BN layers plus a shortcut that is either the
/// identity or a 1×1 conv+BN (<c>downsample</c>) when the stride or width changes.
/// </summary>
internal sealed class ResNetBasicBlock : nn.Module<Tensor, Tensor>
{
    // Field names are the torchvision state-dict keys.
    private readonly PaddedConv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly PaddedConv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly ResNetDownsample? downsample;

    internal ResNetBasicBlock(string name, long inChannels, long outChannels, long stride, Padding2d stridedPads, double eps)
        : base(name)
    {
        // A strided 3×3 conv uses the exporter's own padding (CNTK: top/left only); unstrided ones pad 1 all round.
        var conv1Pads = stride == 1 ? Padding2d.Uniform(1) : stridedPads;
        conv1 = new PaddedConv2d("conv1", inChannels, outChannels, 3, stride, conv1Pads);
        bn1 = nn.BatchNorm2d(outChannels, eps);
        conv2 = new PaddedConv2d("conv2", outChannels, outChannels, 3, 1, Padding2d.Uniform(1));
        bn2 = nn.BatchNorm2d(outChannels, eps);
        if (stride != 1 || inChannels != outChannels)
            downsample = new ResNetDownsample("downsample", inChannels, outChannels, stride, eps);
        RegisterComponents();
    }

    /// <summary>First 3×3 convolution (carries the block's stride).</summary>
    public PaddedConv2d Conv1 => conv1;

    /// <summary>Batch norm after <see cref="Conv1"/>.</summary>
    public BatchNorm2d Bn1 => bn1;

    /// <summary>Second 3×3 convolution.</summary>
    public PaddedConv2d Conv2 => conv2;

    /// <summary>Batch norm after <see cref="Conv2"/>; the residual is added to its output.</summary>
    public BatchNorm2d Bn2 => bn2;

    /// <summary>The shortcut's 1×1 convolution, or null when the shortcut is the identity.</summary>
    public PaddedConv2d? DownsampleConv => downsample?.Conv;

    /// <summary>The shortcut's batch norm, or null when the shortcut is the identity.</summary>
    public BatchNorm2d? DownsampleBn => downsample?.Bn;

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).</summary>
    /// <param name="input">[N, C, H, W].</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var main = nn.functional.relu(bn1.forward(conv1.forward(input)));
        main = bn2.forward(conv2.forward(main));
        var shortcut = downsample is null ? input : downsample.forward(input);
        return nn.functional.relu(main.add_(shortcut)).MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's <c>Sequential(conv1x1, bn)</c> shortcut, keeping its <c>0</c>/<c>1</c> state-dict keys.</summary>
internal sealed class ResNetDownsample : nn.Module<Tensor, Tensor>
{
    [TorchSharp.Utils.ComponentName(Name = "0")]
    private readonly PaddedConv2d conv;

    [TorchSharp.Utils.ComponentName(Name = "1")]
    private readonly BatchNorm2d bn;

    internal ResNetDownsample(string name, long inChannels, long outChannels, long stride, double eps)
        : base(name)
    {
        conv = new PaddedConv2d("0", inChannels, outChannels, 1, stride, default);
        bn = nn.BatchNorm2d(outChannels, eps);
        RegisterComponents();
    }

    internal PaddedConv2d Conv => conv;

    internal BatchNorm2d Bn => bn;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return bn.forward(conv.forward(input)).MoveToOuterDisposeScope();
    }
}
