using System.Globalization;
using Kodiak.Vision.Processing;

namespace Kodiak.Vision.Transforms;

/// <summary>
/// fastai's <c>Resize</c> item transform: the output is always exactly <see cref="Width"/> × <see cref="Height"/>;
/// <see cref="Method"/> decides how the aspect ratio is reconciled. Resampling is antialiased (never nearest-neighbour).
/// </summary>
public sealed class Resize : IItemTransform
{
    /// <summary>Resizes to a <paramref name="size"/> × <paramref name="size"/> square.</summary>
    /// <param name="size">Side of the output, at least 1.</param>
    /// <param name="method">How the aspect ratio is handled.</param>
    /// <param name="padMode">Fill used by <see cref="ResizeMethod.Pad"/>.</param>
    public Resize(int size, ResizeMethod method = ResizeMethod.Crop, PadMode padMode = PadMode.Reflection)
        : this(size, size, method, padMode)
    {
    }

    /// <summary>Resizes to <paramref name="width"/> × <paramref name="height"/>.</summary>
    /// <param name="width">Output width, at least 1.</param>
    /// <param name="height">Output height, at least 1.</param>
    /// <param name="method">How the aspect ratio is handled.</param>
    /// <param name="padMode">Fill used by <see cref="ResizeMethod.Pad"/>.</param>
    public Resize(int width, int height, ResizeMethod method = ResizeMethod.Crop, PadMode padMode = PadMode.Reflection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, null);
        }

        if (!Enum.IsDefined(padMode))
        {
            throw new ArgumentOutOfRangeException(nameof(padMode), padMode, null);
        }

        Width = width;
        Height = height;
        Method = method;
        PadMode = padMode;
    }

    /// <summary>Output width.</summary>
    public int Width { get; }

    /// <summary>Output height.</summary>
    public int Height { get; }

    /// <summary>How the aspect ratio is handled.</summary>
    public ResizeMethod Method { get; }

    /// <summary>Fill used by <see cref="ResizeMethod.Pad"/>; ignored by the other methods.</summary>
    public PadMode PadMode { get; }

    /// <inheritdoc/>
    /// <remarks>
    /// The size at which the final resample does not enlarge: covering the target for <see cref="ResizeMethod.Crop"/>,
    /// fitting inside it for <see cref="ResizeMethod.Pad"/>, and the target itself for <see cref="ResizeMethod.Squish"/>.
    /// </remarks>
    public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceHeight, 1);
        return Method == ResizeMethod.Squish
            ? (Width, Height)
            : ImageOps.AspectSize(sourceWidth, sourceHeight, Width, Height, cover: Method == ResizeMethod.Crop);
    }

    /// <inheritdoc/>
    public RgbImage Apply(RgbImage image, ItemContext context)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(context);
        switch (Method)
        {
            case ResizeMethod.Squish:
                return ImageOps.Resize(image, Width, Height);
            case ResizeMethod.Pad:
                (int fitWidth, int fitHeight) = ImageOps.AspectSize(image.Width, image.Height, Width, Height, cover: false);
                return ImageOps.Pad(
                    ImageOps.Resize(image, fitWidth, fitHeight),
                    Width,
                    Height,
                    (Width - fitWidth) / 2,
                    (Height - fitHeight) / 2,
                    PadMode);
            default:
                // Crop, as fastai: cut the largest box of the target's shape from the source, then resample only that.
                (int boxWidth, int boxHeight) = ImageOps.AspectSize(Width, Height, image.Width, image.Height, cover: false);
                int spareX = image.Width - boxWidth;
                int spareY = image.Height - boxHeight;
                (int x, int y) = context.IsTraining
                    ? (context.Random.NextInt(spareX + 1), context.Random.NextInt(spareY + 1))
                    : (spareX / 2, spareY / 2);
                return ImageOps.Resize(ImageOps.Crop(image, x, y, boxWidth, boxHeight), Width, Height);
        }
    }

    /// <summary>For example <c>Resize(128, Crop)</c>, <c>Resize(160×128, Pad, Zeros)</c>.</summary>
    public override string ToString()
    {
        string size = Width == Height
            ? Width.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{Width}×{Height}");
        return Method == ResizeMethod.Pad ? $"Resize({size}, {Method}, {PadMode})" : $"Resize({size}, {Method})";
    }
}
