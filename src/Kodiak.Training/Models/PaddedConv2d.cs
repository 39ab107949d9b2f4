using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// A bias-free 2-D convolution that zero-pads explicitly (and possibly asymmetrically) before convolving.
/// </summary>
/// <remarks>
/// Its only parameter is called <c>weight</c>, so in a parent's state dict it appears as
/// <c>conv1.weight</c> exactly like torchvision's <c>Conv2d(bias=False)</c>.
/// </remarks>
internal sealed class PaddedConv2d : nn.Module<Tensor, Tensor>
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

    /// <summary>Zero padding declared by the pretrained model (for strided layers: at its native 224-px input).</summary>
    public Padding2d Pads { get; internal set; }

    /// <summary>
    /// Strided layers follow the exporter's "same" rule (<see cref="Padding2d.SameLower"/>) at every input size
    /// — <see cref="Pads"/> is that rule at the native 224 px — so inputs that are no multiple of 32 work;
    /// unstrided layers use <see cref="Pads"/>.
    /// </summary>
    public bool PadsLikeSame => Stride > 1;

    /// <summary>The padding applied to an input of <paramref name="height"/> × <paramref name="width"/>.</summary>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    public Padding2d PadsFor(long height, long width) => PadsLikeSame ? Padding2d.SameLower(height, width, KernelSize, Stride) : Pads;

    /// <summary>Pads with zeros (<see cref="PadsFor"/>), then convolves.</summary>
    /// <param name="input">[N, InChannels, H, W].</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        // Symmetric pads go to the convolution itself: an explicit pad costs a copy forward and backward.
        var pads = PadsFor(input.shape[2], input.shape[3]);
        bool symmetric = pads.Top == pads.Bottom && pads.Left == pads.Right;
        var padded = symmetric ? input : nn.functional.pad(input, pads.ToTorchPad(), PaddingModes.Constant, 0.0);
        long[] convPadding = symmetric ? [pads.Top, pads.Left] : [0, 0];
        // Mixed precision: convolve a copy of the fp32 weight in the input's type; its gradient flows back to the fp32 weight.
        var kernel = input.dtype == weight.dtype ? weight : weight.to(input.dtype);
        var output = nn.functional.conv2d(padded, kernel, bias: null, strides: [Stride, Stride], padding: convPadding);
        return output.MoveToOuterDisposeScope();
    }
}
