namespace Kodiak.Vision.Transforms;

/// <summary>What fills the area outside the image when padding.</summary>
public enum PadMode
{
    /// <summary>Black.</summary>
    Zeros,

    /// <summary>The image mirrored about its edge pixel, which is not repeated (NumPy's <c>reflect</c>).</summary>
    Reflection,

    /// <summary>The edge pixel repeated.</summary>
    Border,
}
