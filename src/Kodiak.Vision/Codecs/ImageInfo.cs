namespace Kodiak.Vision.Codecs;

/// <summary>What an image file's header says, read without decoding pixels.</summary>
/// <param name="Width">Width in pixels as displayed, i.e. after EXIF orientation.</param>
/// <param name="Height">Height in pixels as displayed, i.e. after EXIF orientation.</param>
/// <param name="Format">The encoded format.</param>
public sealed record ImageInfo(int Width, int Height, ImageFormat Format);
