using Kodiak.Training;
using Kodiak.Vision;

namespace Kodiak.Cli;

/// <summary>The DataBlock the commands use: one folder per class, a random split, sizing and optional augmentation.</summary>
internal static class FolderData
{
    /// <summary>Values of the commands' <c>--resize</c> option.</summary>
    public static readonly string[] ResizeMethods = ["random-crop", "crop", "pad", "squish"];

    /// <summary>The item transform for a <c>--resize</c> value.</summary>
    public static IItemTransform Sizing(string method, int size, double minScale) => method switch
    {
        "crop" => new Resize(size),
        "pad" => new Resize(size, ResizeMethod.Pad),
        "squish" => new Resize(size, ResizeMethod.Squish),
        "random-crop" => new RandomResizedCrop(size, minScale),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"--resize takes {string.Join(", ", ResizeMethods)}."),
    };

    /// <summary>Images labelled by their folder, split at random.</summary>
    public static DataBlock Block(IItemTransform sizing, bool augment, double validPct, ulong seed) =>
        new((new ImageBlock(), new CategoryBlock()), ImageFiles.Get, new RandomSplitter(validPct, seed), Labels.ParentFolder,
            [sizing], augment ? [Augment.Default()] : []);
}
