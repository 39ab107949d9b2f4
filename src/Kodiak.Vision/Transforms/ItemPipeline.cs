using Kodiak.Vision.Codecs;
namespace Kodiak.Vision.Transforms;

/// <summary>Loads one image through a list of <see cref="IItemTransform"/>s.</summary>
public static class ItemPipeline
{
    /// <summary>
    /// Decodes <paramref name="source"/> no larger than the first transform needs (see
    /// <see cref="IItemTransform.DecodeSize"/>), then applies every transform in order. An empty list is a plain decode.
    /// </summary>
    /// <param name="source">A path, bytes or stream.</param>
    /// <param name="transforms">Applied first to last.</param>
    /// <param name="context">Training or validation, and the item's random stream.</param>
    /// <param name="options">Limits; <see cref="DecodeOptions.Default"/> when null.</param>
    /// <exception cref="ImageDecodeException">The data is not a decodable image or exceeds the pixel limit.</exception>
    public static RgbImage Load(
        ImageSource source,
        IReadOnlyList<IItemTransform> transforms,
        ItemContext context,
        DecodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        ArgumentNullException.ThrowIfNull(context);
        RgbImage image = transforms.Count == 0
            ? ImageDecoder.Decode(source, options)
            : ImageDecoder.DecodeAtLeast(source, transforms[0].DecodeSize, options);
        foreach (IItemTransform transform in transforms)
        {
            image = transform.Apply(image, context);
        }

        return image;
    }

    /// <summary>
    /// The size every image comes out at through <paramref name="transforms"/> for validation, found by running them on
    /// two small blank images of different shapes; null when it depends on the image (no sizing transform).
    /// </summary>
    /// <param name="transforms">Applied first to last.</param>
    public static (int Width, int Height)? OutputSize(IReadOnlyList<IItemTransform> transforms)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        var context = ItemContext.Validation();
        var wide = transforms.Aggregate(new RgbImage(64, 48), (image, t) => t.Apply(image, context));
        var tall = transforms.Aggregate(new RgbImage(30, 70), (image, t) => t.Apply(image, context));
        return wide.Width == tall.Width && wide.Height == tall.Height ? (wide.Width, wide.Height) : null;
    }
}
