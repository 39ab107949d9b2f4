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
