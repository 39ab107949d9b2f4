namespace Kodiak.Training.Models;

/// <summary>
/// Explicit, possibly asymmetric spatial padding of a convolution or pooling window, in pixels.
/// </summary>
/// <remarks>
/// CNTK exported its stride-2 layers with padding only at the top and left, which PyTorch's
/// symmetric <c>padding</c> argument cannot express; so layers pad explicitly and keep the amounts
/// here, where an ONNX exporter can read them back.
/// </remarks>
/// <param name="Top">Rows added above the image.</param>
/// <param name="Left">Columns added left of the image.</param>
/// <param name="Bottom">Rows added below the image.</param>
/// <param name="Right">Columns added right of the image.</param>
internal readonly record struct Padding2d(long Top, long Left, long Bottom, long Right)
{
    /// <summary>The same amount on all four sides.</summary>
    /// <param name="pixels">Padding on every side.</param>
    public static Padding2d Uniform(long pixels) => new(pixels, pixels, pixels, pixels);

    /// <summary>The ONNX <c>pads</c> attribute for 2-D ops: [top, left, bottom, right].</summary>
    public long[] ToOnnxPads() => [Top, Left, Bottom, Right];

    /// <summary>Reads an ONNX <c>pads</c> attribute for 2-D ops ([top, left, bottom, right]).</summary>
    /// <param name="pads">Exactly four non-negative values.</param>
    /// <exception cref="ArgumentException">Not four values, or a negative one.</exception>
    public static Padding2d FromOnnxPads(IReadOnlyList<long> pads)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (pads.Count != 4 || pads.Any(p => p < 0))
            throw new ArgumentException($"Expected 4 non-negative 2-D pads [top, left, bottom, right], got [{string.Join(", ", pads)}].", nameof(pads));
        return new(pads[0], pads[1], pads[2], pads[3]);
    }

    /// <summary>The order <c>torch.nn.functional.pad</c> wants for the last two dims: [left, right, top, bottom].</summary>
    /// <summary>
    /// CNTK's "same" padding for a <paramref name="height"/> × <paramref name="width"/> input (ONNX <c>SAME_LOWER</c>):
    /// output ceil(input / stride), with an odd extra row or column at the top or left.
    /// </summary>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="kernel">Square kernel size.</param>
    /// <param name="stride">Stride in both directions.</param>
    public static Padding2d SameLower(long height, long width, long kernel, long stride)
    {
        static (long Before, long After) Split(long size, long kernel, long stride)
        {
            long output = (size + stride - 1) / stride;
            long total = Math.Max((output - 1) * stride + kernel - size, 0);
            return (total - total / 2, total / 2);
        }
        var (top, bottom) = Split(height, kernel, stride);
        var (left, right) = Split(width, kernel, stride);
        return new(top, left, bottom, right);
    }

    /// <summary>Whether these pads are what <see cref="SameLower"/> gives for some input size.</summary>
    internal bool FitsSameLower(long kernel, long stride)
    {
        bool Fits(long before, long after)
        {
            long total = before + after;
            return total >= Math.Max(kernel - stride, 0) && total <= Math.Max(kernel - 1, 0) && before == total - total / 2;
        }
        return Fits(Top, Bottom) && Fits(Left, Right);
    }

    internal long[] ToTorchPad() => [Left, Right, Top, Bottom];

    /// <inheritdoc />
    public override string ToString() => $"[top {Top}, left {Left}, bottom {Bottom}, right {Right}]";
}
