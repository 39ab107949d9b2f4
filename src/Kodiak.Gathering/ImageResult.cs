namespace Kodiak.Gathering;

/// <summary>One image found by a search.</summary>
/// <param name="Url">The image itself.</param>
/// <param name="Thumbnail">A small preview, when the provider gives one.</param>
/// <param name="Width">Width in pixels, when known.</param>
/// <param name="Height">Height in pixels, when known.</param>
/// <param name="Licence">The licence the provider states (e.g. "CC BY 2.0"), when it states one.</param>
/// <param name="Creator">Who made the image, when known.</param>
/// <param name="SourcePage">The web page the image appears on.</param>
/// <param name="Provider">The provider that found it, when a search combines several (<c>--provider auto</c>); null means the search's own.</param>
public sealed record ImageResult(string Url, string? Thumbnail, int? Width, int? Height, string? Licence, string? Creator, string? SourcePage, string? Provider = null);
