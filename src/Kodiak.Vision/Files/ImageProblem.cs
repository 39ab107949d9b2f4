namespace Kodiak.Vision.Files;

/// <summary>An image file that cannot be used, and why.</summary>
/// <param name="Path">The file, as it was given.</param>
/// <param name="Reason">Plain-words cause, e.g. "truncated or corrupt image data".</param>
public sealed record ImageProblem(string Path, string Reason);
