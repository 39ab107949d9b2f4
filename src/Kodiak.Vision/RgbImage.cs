namespace Kodiak.Vision;

/// <summary>
/// An 8-bit RGB image: <see cref="Pixels"/> holds <c>Width × Height</c> pixels row-major,
/// three interleaved bytes (R, G, B) per pixel, no row padding.
/// </summary>
public sealed class RgbImage
{
    // Lookup keeps the byte → [0,1] mapping bit-identical everywhere it is used.
    private static readonly float[] UnitScale = CreateUnitScale();

    /// <summary>Creates a black image of the given size.</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    public RgbImage(int width, int height)
        : this(width, height, new byte[checked(ValidatedPixelCount(width, height) * 3)])
    {
    }

    /// <summary>Wraps existing interleaved RGB bytes (not copied).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Exactly <c>width × height × 3</c> bytes, row-major RGB.</param>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = ValidatedPixelCount(width, height) * 3;
        if (pixels.LongLength != expected)
        {
            throw new ArgumentException(
                $"A {width}×{height} RGB image needs {expected} bytes, but {pixels.LongLength} were given.",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved 8-bit RGB, row-major, 3 bytes per pixel.</summary>
    public byte[] Pixels { get; }

    /// <summary>Number of floats <see cref="ToChwFloats"/> writes: <c>3 × Width × Height</c>.</summary>
    public int ChwLength => checked(3 * Width * Height);

    /// <summary>
    /// Writes the image as planar CHW floats (all R, then all G, then all B), each byte divided by 255,
    /// the layout models take before any normalisation.
    /// </summary>
    /// <param name="destination">At least <see cref="ChwLength"/> floats; only the first <see cref="ChwLength"/> are written.</param>
    public void ToChwFloats(Span<float> destination)
    {
        int plane = Width * Height;
        if (destination.Length < ChwLength)
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} floats but a {Width}×{Height} image needs {ChwLength}.",
                nameof(destination));
        }

        Span<float> red = destination[..plane];
        Span<float> green = destination.Slice(plane, plane);
        Span<float> blue = destination.Slice(2 * plane, plane);
        ReadOnlySpan<byte> source = Pixels;
        for (int i = 0, s = 0; i < plane; i++, s += 3)
        {
            red[i] = UnitScale[source[s]];
            green[i] = UnitScale[source[s + 1]];
            blue[i] = UnitScale[source[s + 2]];
        }
    }

    private static long ValidatedPixelCount(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        long count = (long)width * height;
        // Pixels is a single array, so the byte count must fit in one.
        if (count * 3 > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}×{height} RGB image is too large for one array.");
        }

        return count;
    }

    private static float[] CreateUnitScale()
    {
        var table = new float[256];
        for (int i = 0; i < table.Length; i++)
        {
            table[i] = i / 255f;
        }

        return table;
    }
}
