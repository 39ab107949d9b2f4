using System.Globalization;
using Kodiak.Vision.Processing;

namespace Kodiak.Vision.Transforms;

/// <summary>
/// fastai's <c>RandomResizedCrop</c>: on training, a random box of random area and aspect ratio is cut out and
/// resized to <see cref="Size"/> × <see cref="Size"/>. On validation, the whole image is resized (aspect ratio
/// not kept, as fastai does) to <see cref="ValidationSize"/> square and the centre <see cref="Size"/> square kept.
/// </summary>
public sealed class RandomResizedCrop : IItemTransform
{
    // fastai's val_xtra: validation shows about 14% more context than the crop, rounded up to a multiple of 8.
    private const double ValidationExtra = 0.14;
    private const int Attempts = 10;

    /// <summary>Creates the transform.</summary>
    /// <param name="size">Side of the square output, at least 1.</param>
    /// <param name="minScale">Smallest fraction of the image area a training crop covers.</param>
    /// <param name="maxScale">Largest fraction of the image area a training crop covers.</param>
    /// <param name="ratio">Range of crop width/height ratios, sampled log-uniformly; (3/4, 4/3) when null.</param>
    public RandomResizedCrop(int size, double minScale = 0.08, double maxScale = 1.0, (double Min, double Max)? ratio = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (!(minScale > 0 && minScale <= maxScale && double.IsFinite(maxScale)))
        {
            throw new ArgumentOutOfRangeException(nameof(minScale), $"Scale range [{minScale}, {maxScale}] must satisfy 0 < min ≤ max.");
        }

        (double Min, double Max) ratios = ratio ?? (3.0 / 4, 4.0 / 3);
        if (!(ratios.Min > 0 && ratios.Min <= ratios.Max && double.IsFinite(ratios.Max)))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), $"Ratio range [{ratios.Min}, {ratios.Max}] must satisfy 0 < min ≤ max.");
        }

        Size = size;
        MinScale = minScale;
        MaxScale = maxScale;
        Ratio = ratios;
        ValidationSize = size + (int)Math.Ceiling(size * ValidationExtra / 8) * 8;
    }

    /// <summary>Side of the square output.</summary>
    public int Size { get; }

    /// <summary>Smallest fraction of the image area a training crop covers.</summary>
    public double MinScale { get; }

    /// <summary>Largest fraction of the image area a training crop covers.</summary>
    public double MaxScale { get; }

    /// <summary>Range of crop width/height ratios.</summary>
    public (double Min, double Max) Ratio { get; }

    /// <summary>Side of the square the whole image is resized to before the validation centre crop: <c>size + ceil(size·0.14/8)·8</c>.</summary>
    public int ValidationSize { get; }

    /// <inheritdoc/>
    /// <remarks>
    /// Conservative, since it cannot know whether the item is for training: the shorter side at least
    /// <see cref="ValidationSize"/>, so validation never enlarges, and large enough that even the smallest
    /// training crop (area <see cref="MinScale"/>, the most elongated ratio) is not enlarged by the reduced
    /// decode — it is cut from pixels as good as the full-size image's at the size the model sees.
    /// </remarks>
    public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceHeight, 1);
        double narrowest = Math.Min(Ratio.Min, 1 / Ratio.Max);
        int side = Math.Max(ValidationSize, (int)Math.Ceiling(Size / Math.Sqrt(MinScale * narrowest)));
        return ImageOps.AspectSize(sourceWidth, sourceHeight, side, side, cover: true);
    }

    /// <inheritdoc/>
    public RgbImage Apply(RgbImage image, ItemContext context)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(context);
        if (!context.IsTraining)
        {
            int margin = (ValidationSize - Size) / 2;
            return ImageOps.Crop(ImageOps.Resize(image, ValidationSize, ValidationSize), margin, margin, Size, Size);
        }

        (int x, int y, int width, int height) = TrainingBox(image.Width, image.Height, context.Random);
        return ImageOps.Resize(ImageOps.Crop(image, x, y, width, height), Size, Size);
    }

    /// <summary>For example <c>RandomResizedCrop(224, scale 0.08–1, ratio 0.75–1.33)</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"RandomResizedCrop({Size}, scale {MinScale:0.##}–{MaxScale:0.##}, ratio {Ratio.Min:0.##}–{Ratio.Max:0.##})");

    private (int X, int Y, int Width, int Height) TrainingBox(int width, int height, SeededRandom random)
    {
        double logMin = Math.Log(Ratio.Min);
        double logMax = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double area = random.NextDouble(MinScale, MaxScale) * width * height;
            double ratio = Math.Exp(random.NextDouble(logMin, logMax));
            // Math.Round rounds halves to even, like Python's round() in fastai.
            int boxWidth = (int)Math.Round(Math.Sqrt(area * ratio));
            int boxHeight = (int)Math.Round(Math.Sqrt(area / ratio));
            if (boxWidth >= 1 && boxHeight >= 1 && boxWidth <= width && boxHeight <= height)
            {
                return (random.NextInt(width - boxWidth + 1), random.NextInt(height - boxHeight + 1), boxWidth, boxHeight);
            }
        }

        // No attempt fitted: centre the largest box whose ratio is clamped into range.
        double aspect = (double)width / height;
        (int fallbackWidth, int fallbackHeight) =
            aspect < Ratio.Min ? (width, Math.Max(1, (int)(width / Ratio.Min)))
            : aspect > Ratio.Max ? (Math.Max(1, (int)(height * Ratio.Max)), height)
            : (width, height);
        return ((width - fallbackWidth) / 2, (height - fallbackHeight) / 2, fallbackWidth, fallbackHeight);
    }
}
