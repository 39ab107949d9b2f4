using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// Converts the pipeline's RGB images in [0, 1] into the input convention of ML.NET's CNTK ResNet18:
/// BGR channel order, 0–255 scale, minus a per-channel mean, no division by a standard deviation.
/// </summary>
/// <remarks>
/// ML.NET's own preprocessing graph (<c>ResNetPreprocess.onnx</c>) subtracts a 224×224 mean
/// <em>image</em>; its per-channel averages are the means used here, which work at any input size.
/// </remarks>
internal sealed class CntkImageNetInput : nn.Module<Tensor, Tensor>
{
    /// <summary>Channel order the network expects.</summary>
    public const string ChannelOrder = "BGR";

    /// <summary>Factor taking [0, 1] pixels to the network's 0–255 scale.</summary>
    public const float Scale = 255f;

    /// <summary>Per-channel means subtracted after scaling, in network (B, G, R) order.</summary>
    public static IReadOnlyList<float> MeanBgr { get; } = [103.06f, 115.90f, 123.15f];

    /// <summary>Creates the (parameter-free) conversion module.</summary>
    public CntkImageNetInput() : base(nameof(CntkImageNetInput))
    {
    }

    /// <summary>RGB [N, 3, H, W] in [0, 1] → BGR × 255 − mean.</summary>
    /// <param name="rgb01">RGB images scaled to [0, 1].</param>
    public override Tensor forward(Tensor rgb01) => Apply(rgb01);

    /// <summary>RGB [N, 3, H, W] in [0, 1] → BGR × 255 − mean, as a plain tensor op.</summary>
    /// <param name="rgb01">RGB images scaled to [0, 1].</param>
    /// <exception cref="ArgumentException">The input is not [N, 3, H, W].</exception>
    public static Tensor Apply(Tensor rgb01)
    {
        ArgumentNullException.ThrowIfNull(rgb01);
        if (rgb01.dim() != 4 || rgb01.shape[1] != 3)
            throw new ArgumentException($"Expected RGB images shaped [N, 3, H, W], got [{string.Join(", ", rgb01.shape)}].", nameof(rgb01));
        using var scope = NewDisposeScope();
        // Built per call (3 floats) rather than held as a buffer, so it follows the input's device and dtype.
        var mean = tensor(MeanBgr.ToArray(), dtype: rgb01.dtype, device: rgb01.device).view(1, 3, 1, 1);
        return rgb01.flip(1).mul(Scale).sub_(mean).MoveToOuterDisposeScope();
    }
}
