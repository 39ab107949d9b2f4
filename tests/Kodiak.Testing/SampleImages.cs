using Kodiak.Vision.Files;

namespace Kodiak.Testing;

/// <summary>
/// The bundled sample (<c>samples/clipart</c>, copied beside the test assembly by the projects that link it) and a small
/// even subset of it: the demo's 931 images make a convincing model, but tests that train want a fast one.
/// </summary>
public static class SampleImages
{
    /// <summary>Images per class in <see cref="Subset"/> unless asked otherwise: what the tests trained on before the sample grew.</summary>
    public const int SubsetPerClass = 50;

    /// <summary>The whole bundled sample beside the test assembly.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "samples", "clipart");

    /// <summary>
    /// Copies <paramref name="perClass"/> images of each class, picked evenly by name, into <c>parent/clipart/CLASS/</c>
    /// and returns that folder. Named as the sample is, so a model trained on it is served as "clipart".
    /// </summary>
    public static string Subset(string parent, int perClass = SubsetPerClass)
    {
        string subset = Path.Combine(parent, "clipart");
        foreach (string classFolder in Directory.GetDirectories(Folder).Order(StringComparer.Ordinal))
        {
            var files = ImageFiles.Get(classFolder).Order(StringComparer.Ordinal).ToList();
            string target = Directory.CreateDirectory(Path.Combine(subset, Path.GetFileName(classFolder))).FullName;
            int take = Math.Min(perClass, files.Count);
            for (int i = 0; i < take; i++)
            {
                string file = files[i * files.Count / take];
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
            }
        }

        return subset;
    }
}
