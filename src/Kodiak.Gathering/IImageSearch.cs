namespace Kodiak.Gathering;

/// <summary>An image search provider: a query in, image URLs out, page after page.</summary>
public interface IImageSearch
{
    /// <summary>The provider's name on the command line, e.g. <c>ddg</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Searches for <paramref name="query"/>, requesting further pages until <paramref name="max"/> results or
    /// the end of the results. Throws <see cref="ImageSearchException"/> when the provider cannot be used.
    /// </summary>
    /// <param name="query">What to search for, e.g. "grizzly bear".</param>
    /// <param name="max">Most results wanted.</param>
    /// <param name="cancellation">Stops the search.</param>
    IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, CancellationToken cancellation = default);
}

/// <summary>One image found by a search.</summary>
/// <param name="Url">The image itself.</param>
/// <param name="Thumbnail">A small preview, when the provider gives one.</param>
/// <param name="Width">Width in pixels, when known.</param>
/// <param name="Height">Height in pixels, when known.</param>
/// <param name="Licence">The licence the provider states (e.g. "CC BY 2.0"), when it states one.</param>
/// <param name="Creator">Who made the image, when known.</param>
/// <param name="SourcePage">The web page the image appears on.</param>
public sealed record ImageResult(string Url, string? Thumbnail, int? Width, int? Height, string? Licence, string? Creator, string? SourcePage);

/// <summary>A search provider cannot be used: no key, a rejected key, a refusal, or an answer we cannot read.</summary>
public sealed class ImageSearchException(string message, Exception? innerException = null) : Exception(message, innerException);
