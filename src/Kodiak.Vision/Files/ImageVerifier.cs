using Kodiak.Vision.Codecs;
namespace Kodiak.Vision.Files;

/// <summary>Finds image files that cannot be decoded.</summary>
public static class ImageVerifier
{
    /// <summary>
    /// Decodes every file (in parallel, at most one per processor) and reports those that fail, in input order.
    /// Each file's compressed data is read to the end, so truncation and corruption are caught; JPEGs are
    /// decoded at 1/8 scale, which still reads every coefficient but skips most of the IDCT work.
    /// </summary>
    /// <param name="paths">Image files, e.g. from <see cref="ImageFiles.Get(string)"/>.</param>
    /// <param name="options">Limits; an image over <see cref="DecodeOptions.MaxPixels"/> is a problem too.</param>
    /// <param name="cancellationToken">Stops the check early.</param>
    public static IReadOnlyList<ImageProblem> Verify(
        IEnumerable<string> paths,
        DecodeOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        string[] files = paths.ToArray();
        var problems = new ImageProblem?[files.Length];
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, files.Length, parallel, i => problems[i] = Check(files[i], options));
        return problems.OfType<ImageProblem>().ToList();
    }

    private static ImageProblem? Check(string path, DecodeOptions? options)
    {
        try
        {
            ImageDecoder.DecodeCore(ImageSource.FromFile(path), options, (_, _) => (1, 1), resizeToTarget: false);
            return null;
        }
        catch (ImageDecodeException e)
        {
            return new ImageProblem(path, e.Reason);
        }
        catch (FileNotFoundException)
        {
            return new ImageProblem(path, "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ImageProblem(path, $"cannot read the file ({e.Message})");
        }
    }
}
