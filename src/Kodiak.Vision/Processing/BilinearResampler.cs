namespace Kodiak.Vision.Processing;

/// <summary>
/// Pillow's <c>Image.resize(size, BILINEAR)</c>, which fastai uses for every crop and resize: a triangle
/// filter widened by the reduction factor when shrinking (so reductions are antialiased), applied
/// horizontally then vertically in Pillow's 22-bit fixed point, so results match Pillow to the byte.
/// </summary>
internal static class BilinearResampler
{
    const int PrecisionBits = 32 - 8 - 2;

    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        byte[] pixels = image.Pixels;
        int w = image.Width, h = image.Height;
        if (width != w)
        {
            // Lines are (row, channel); samples along a line are 3 bytes apart.
            pixels = Pass(pixels, w, width, h * 3, line => line / 3 * w * 3 + line % 3, line => line / 3 * width * 3 + line % 3, step: 3, outStep: 3, width * h * 3);
            w = width;
        }
        if (height != h)
        {
            // Lines are (column, channel); samples along a line are a row apart.
            int rowBytes = w * 3;
            pixels = Pass(pixels, h, height, rowBytes, line => line, line => line, step: rowBytes, outStep: rowBytes, rowBytes * height);
        }
        return new RgbImage(width, height, pixels == image.Pixels ? (byte[])pixels.Clone() : pixels);
    }

    static byte[] Pass(byte[] input, int inSize, int outSize, int lines, Func<int, int> inBase, Func<int, int> outBase, int step, int outStep, int outLength)
    {
        var (starts, counts, weights, kernelSize) = Coefficients(inSize, outSize);
        var output = new byte[outLength];
        for (int line = 0; line < lines; line++)
        {
            int from = inBase(line), to = outBase(line);
            for (int o = 0; o < outSize; o++)
            {
                int sum = 1 << (PrecisionBits - 1);
                int first = from + starts[o] * step, k = o * kernelSize;
                for (int t = 0; t < counts[o]; t++)
                    sum += input[first + t * step] * weights[k + t];
                output[to + o * outStep] = Clip(sum);
            }
        }
        return output;
    }

    static byte Clip(int value) => value <= 0 ? (byte)0 : value >> PrecisionBits >= 255 ? (byte)255 : (byte)(value >> PrecisionBits);

    // Pillow's precompute_coeffs and normalize_coeffs_8bpc for the bilinear (triangle, support 1) filter.
    static (int[] Starts, int[] Counts, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterScale;
        int kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var starts = new int[outSize];
        var counts = new int[outSize];
        var weights = new int[outSize * kernelSize];
        var kernel = new double[kernelSize];
        for (int o = 0; o < outSize; o++)
        {
            double centre = (o + 0.5) * scale;
            int min = Math.Max((int)(centre - support + 0.5), 0);
            int count = Math.Min((int)(centre + support + 0.5), inSize) - min;
            double total = 0;
            for (int t = 0; t < count; t++)
            {
                double x = Math.Abs((t + min - centre + 0.5) / filterScale);
                kernel[t] = x < 1 ? 1 - x : 0;
                total += kernel[t];
            }
            for (int t = 0; t < count; t++)
            {
                double normalised = total == 0 ? kernel[t] : kernel[t] / total;
                weights[o * kernelSize + t] = (int)(normalised < 0 ? -0.5 + normalised * (1 << PrecisionBits) : 0.5 + normalised * (1 << PrecisionBits));
            }
            (starts[o], counts[o]) = (min, count);
        }
        return (starts, counts, weights, kernelSize);
    }
}
