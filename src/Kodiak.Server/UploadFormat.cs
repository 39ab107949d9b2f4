namespace Kodiak.Server;

/// <summary>An uploaded image's format by its first bytes (the formats the server decodes): its file extension and content type.</summary>
public static class UploadFormat
{
    /// <summary>The extension (<c>.jpg</c>) and content type (<c>image/jpeg</c>); <c>.img</c> and <c>application/octet-stream</c> for another format.</summary>
    /// <param name="image">The first bytes of the image, or all of them.</param>
    public static (string Extension, string ContentType) Of(ReadOnlySpan<byte> image) => image switch
    {
        [0xFF, 0xD8, 0xFF, ..] => (".jpg", "image/jpeg"),
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => (".png", "image/png"),
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => (".gif", "image/gif"),
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => (".webp", "image/webp"),
        [(byte)'B', (byte)'M', ..] => (".bmp", "image/bmp"),
        _ => (".img", "application/octet-stream"),
    };
}
