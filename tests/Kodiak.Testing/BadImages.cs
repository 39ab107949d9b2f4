using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using static Kodiak.Testing.TestImages;

namespace Kodiak.Testing;

/// <summary>The folder from the foundation issue: three good images and four that can't be opened.</summary>
public static class BadImages
{
    /// <summary>Writes the fixture into <paramref name="folder"/>; returns the bad files with their expected reasons, in name order.</summary>
    public static IReadOnlyList<ImageProblem> WriteMixedFolder(TempFolder folder, string subfolder = "")
    {
        byte[] bigJpeg = ImageEncoder.Encode(Photo(1200, 900), ImageFormat.Jpeg);
        folder.Write(Path.Combine(subfolder, "good1.jpg"), bigJpeg);
        folder.Write(Path.Combine(subfolder, "good2.png"), ImageEncoder.Encode(Photo(60, 40), ImageFormat.Png));
        folder.Write(Path.Combine(subfolder, "good3.webp"), ImageEncoder.Encode(Photo(60, 40), ImageFormat.Webp));
        // Cut late so that only the last rows are missing: a 1/8-scale decode must still notice.
        return
        [
            new(folder.Write(Path.Combine(subfolder, "truncated.jpg"), bigJpeg[..(bigJpeg.Length * 9 / 10)]), "truncated or corrupt image data"),
            new(folder.Write(Path.Combine(subfolder, "x.jpg"), Text("not a picture")), "not an image (unrecognised format)"),
            new(folder.Write(Path.Combine(subfolder, "y.png"), []), "empty file (0 bytes)"),
            new(folder.Write(Path.Combine(subfolder, "z-bomb.png"), PngBomb(30000, 30000)), "30000×30000 pixels exceeds the limit of 100 megapixels"),
        ];
    }
}
