using Kodiak.Training.Augmentation;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Data;

/// <summary>fastai's <c>ImageDataLoaders</c>: the usual data layouts in one call, each a ready-made <see cref="DataBlock"/>.</summary>
public static class ImageDataLoaders
{
    /// <summary>
    /// fastai's <c>ImageDataLoaders.from_folder</c>: images in one subfolder per class, labelled by that folder. With
    /// <paramref name="validPct"/>, a random split of every image under <paramref name="path"/> (the book's bears);
    /// without, the images of <c>path/train/&lt;class&gt;/</c> train and those of <c>path/valid/&lt;class&gt;/</c> validate.
    /// </summary>
    /// <param name="path">The data folder.</param>
    /// <param name="train">Name of the training folder when there is no <paramref name="validPct"/>.</param>
    /// <param name="valid">Name of the validation folder when there is no <paramref name="validPct"/>.</param>
    /// <param name="validPct">Fraction of the images held out at random for validation, or null to split by folder.</param>
    /// <param name="seed">Seed of the split, the shuffling and the augmentation.</param>
    /// <param name="itemTransforms">Per image, at decode time, e.g. <c>new Resize(224)</c>.</param>
    /// <param name="batchTransforms">Per training batch, e.g. <c>Augment.Default()</c>.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="skipBadImages">Leave out (and list in <see cref="DataLoaders.Skipped"/>) images that can't be opened.</param>
    /// <param name="workers">Decoding threads; by default one per core.</param>
    /// <exception cref="InvalidDataException">No images, fewer than two classes, an item without a label, or a class with no training images.</exception>
    public static DataLoaders FromFolder(string path, string train = "train", string valid = "valid", double? validPct = null, ulong seed = 42,
        IReadOnlyList<IItemTransform>? itemTransforms = null, IReadOnlyList<IBatchTransform>? batchTransforms = null, int batchSize = 64,
        bool skipBadImages = false, int? workers = null)
    {
        var block = validPct is double pct
            ? new DataBlock(ImageFiles.Get, new RandomSplitter(pct, seed), Labels.ParentFolder, itemTransforms, batchTransforms)
            : new DataBlock(new SplitFolders(train, valid).GetImageFiles, new GrandparentSplitter(train, valid), Labels.ParentFolder,
                itemTransforms, batchTransforms);
        return block.DataLoaders(path, batchSize, seed, skipBadImages, workers);
    }

    /// <summary>Lists only the training and validation folders, so that another folder beside them (a test set) is left alone.</summary>
    sealed record SplitFolders(string Train, string Valid)
    {
        public IReadOnlyList<string> GetImageFiles(string path) =>
            [.. new[] { Train, Valid }.Select(name => Path.Combine(path, name)).Where(Directory.Exists).SelectMany(ImageFiles.Get)];
    }
}
