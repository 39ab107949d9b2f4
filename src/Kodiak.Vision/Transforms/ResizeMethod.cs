namespace Kodiak.Vision.Transforms;

/// <summary>How <see cref="Resize"/> reconciles the image's aspect ratio with the target's (fastai's <c>ResizeMethod</c>).</summary>
public enum ResizeMethod
{
    /// <summary>Scale so the image covers the target, then crop: at random on training, centred otherwise.</summary>
    Crop,

    /// <summary>Scale so the image fits inside the target, then pad the rest, centred.</summary>
    Pad,

    /// <summary>Scale each axis independently to the target; the aspect ratio is not kept.</summary>
    Squish,
}
