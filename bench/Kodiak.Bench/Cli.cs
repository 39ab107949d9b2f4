using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Vision.Transforms;

namespace Kodiak.Bench;

/// <summary>The benchmarks' shared argument conventions: an optional data folder first, then <c>--name value</c> options.</summary>
internal static class Cli
{
    /// <summary>The first argument when it is not an option; otherwise the shared clip-art data set.</summary>
    public static string DataFolder(string[] args) =>
        args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : Path.Combine("..", "shared", "data", "clipart3");

    /// <summary>A positive integer option, or <paramref name="fallback"/>.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int value) && value > 0 ? value : fallback;
    }

    /// <summary>
    /// The book's training data on <paramref name="folder"/>: random-crop at <paramref name="size"/>, fastai's
    /// augmentation, a 20% random split; prints one line describing the run.
    /// </summary>
    public static DataLoaders TrainingData(string folder, int size, double minScale, int batchSize)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"data folder not found: '{folder}'");
        var dls = ImageDataLoaders.FromFolder(folder, validPct: 0.2, seed: 42, itemTransforms: [new RandomResizedCrop(size, minScale)],
            batchTransforms: [Augment.Default()], batchSize: batchSize);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {TorchSharp.torch.get_num_threads()} libtorch threads; data: {folder}, " +
            $"{dls.Train.Items.Count} training images, batch {batchSize}, {size} px");
        return dls;
    }
}
