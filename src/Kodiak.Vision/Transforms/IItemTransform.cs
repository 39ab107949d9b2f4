namespace Kodiak.Vision.Transforms;

/// <summary>
/// One per-image step applied while loading (fastai's item transforms), the same code for training and
/// inference. Implementations should give a readable <see cref="object.ToString"/> such as <c>Resize(128, Crop)</c>.
/// </summary>
public interface IItemTransform
{
    /// <summary>
    /// The smallest decoded size (after EXIF orientation) that loses nothing for this transform when it is
    /// first in the pipeline; lets the decoder shrink JPEGs cheaply with its reduced DCT.
    /// </summary>
    /// <param name="sourceWidth">Width of the full-size image, after orientation.</param>
    /// <param name="sourceHeight">Height of the full-size image, after orientation.</param>
    (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight);

    /// <summary>Transforms one image; the input is not modified.</summary>
    /// <param name="image">The decoded (or previously transformed) image.</param>
    /// <param name="context">Training or validation, and the item's random stream.</param>
    RgbImage Apply(RgbImage image, ItemContext context);
}
