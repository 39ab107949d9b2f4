using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training;

/// <summary>
/// A bias-free 2-D convolution that zero-pads explicitly (and possibly asymmetrically) before convolving.
/// </summary>
/// <remarks>
/// Its only parameter is called <c>weight</c>, so in a parent's state dict it appears as
/// <c>conv1.weight</c> exactly like torchvision's <c>Conv2d(bias=False)</c>.
/// </remarks>
public sealed class PaddedConv2d : nn.Module<Tensor, Tensor>
{
    // Field name is the state-dict key; RegisterComponents picks it up.
    private readonly Parameter weight;

    internal PaddedConv2d(string name, long inChannels, long outChannels, long kernelSize, long stride, Padding2d pads)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        weight = new Parameter(empty(outChannels, inChannels, kernelSize, kernelSize));
        // torchvision's ResNet initialisation, so an unloaded body still trains sensibly.
        using (no_grad())
            nn.init.kaiming_normal_(weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
        Stride = stride;
        Pads = pads;
        RegisterComponents();
    }

    /// <summary>The kernel, shaped [out channels, in channels, k, k].</summary>
    public Parameter Weight => weight;

    /// <summary>Input channels.</summary>
    public long InChannels => weight.shape[1];

    /// <summary>Output channels.</summary>
    public long OutChannels => weight.shape[0];

    /// <summary>Kernel height and width (square kernels only).</summary>
    public long KernelSize => weight.shape[2];

    /// <summary>Stride in both directions.</summary>
    public long Stride { get; internal set; }

    /// <summary>Zero padding applied to the input before the convolution.</summary>
    public Padding2d Pads { get; internal set; }

    /// <summary>Pads with zeros, then convolves without further padding.</summary>
    /// <param name="input">[N, InChannels, H, W].</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Symmetric pads go to the convolution itself: an explicit pad costs a copy forward and backward.
        bool symmetric = Pads.Top == Pads.Bottom && Pads.Left == Pads.Right;
        var padded = symmetric ? input : nn.functional.pad(input, Pads.ToTorchPad(), PaddingModes.Constant, 0.0);
        long[] convPadding = symmetric ? [Pads.Top, Pads.Left] : [0, 0];
        var output = nn.functional.conv2d(padded, weight, bias: null, strides: [Stride, Stride], padding: convPadding);
        return output.MoveToOuterDisposeScope();
    }
}
