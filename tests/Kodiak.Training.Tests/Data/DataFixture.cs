using Kodiak.Testing;
using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Tests.Data;

/// <summary>A tiny labelled data set on disk: one folder per class, each image a solid colour of its class.</summary>
internal static class DataFixture
{
    public static readonly (string Name, byte R, byte G, byte B)[] Classes = [("red", 220, 30, 30), ("green", 30, 200, 30), ("blue", 30, 30, 220)];

    public static string Write(TempFolder temp, int perClass = 6, string root = "data")
    {
        foreach (var (name, r, g, b) in Classes)
            for (int i = 0; i < perClass; i++)
                temp.Write(Path.Combine(root, name, $"{name}{i:00}.png"), ImageEncoder.Encode(TestImages.Solid(40 + i, 30, r, g, b), ImageFormat.Png));
        return Path.Combine(temp.Path, root);
    }

    public static DataBlock Block(ISplitter? splitter = null, IReadOnlyList<IBatchTransform>? batchTransforms = null) =>
        new(ImageFiles.Get, splitter ?? new RandomSplitter(0.25, seed: 7), Labels.ParentFolder,
            [new Resize(16, ResizeMethod.Squish)], batchTransforms);
}
