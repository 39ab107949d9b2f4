using System.Text;
using Kodiak.Training.Augmentation;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Data;

/// <summary>
/// fastai's DataBlock: a recipe that says where the items are, how to split them, how to label them
/// and how to transform them, and builds <see cref="DataLoaders"/> from a folder. The blocks are always fastai's
/// <c>(ImageBlock, CategoryBlock)</c>: an image in, one label out of the sorted vocabulary.
/// </summary>
/// <example><code>
/// var bears = new DataBlock(
///     getItems: ImageFiles.Get,
///     splitter: new RandomSplitter(validPct: 0.2, seed: 42),
///     getY: Labels.ParentFolder,
///     itemTransforms: [new Resize(128)]);
/// var dls = bears.DataLoaders("bears", batchSize: 64);
/// </code></example>
public sealed class DataBlock
{
    /// <summary>Creates the recipe.</summary>
    /// <param name="getItems">Lists the items under a folder, e.g. <see cref="ImageFiles.Get(string)"/>.</param>
    /// <param name="splitter">Divides items into training and validation sets.</param>
    /// <param name="getY">An item's label, e.g. <see cref="Labels.ParentFolder"/>.</param>
    /// <param name="itemTransforms">Per image, at decode time, e.g. <c>new Resize(224)</c>.</param>
    /// <param name="batchTransforms">Per training batch, e.g. <c>Augment.Default()</c>.</param>
    public DataBlock(Func<string, IReadOnlyList<string>> getItems, ISplitter splitter,
        Func<string, string> getY, IReadOnlyList<IItemTransform>? itemTransforms = null, IReadOnlyList<IBatchTransform>? batchTransforms = null)
    {
        GetItems = getItems;
        Splitter = splitter;
        GetY = getY;
        ItemTransforms = itemTransforms ?? [];
        BatchTransforms = batchTransforms ?? [];
    }

    /// <summary>Lists the items under a folder.</summary>
    public Func<string, IReadOnlyList<string>> GetItems { get; }

    /// <summary>Divides items into training and validation sets.</summary>
    public ISplitter Splitter { get; }

    /// <summary>An item's label.</summary>
    public Func<string, string> GetY { get; }

    /// <summary>Applied to each image at decode time, in order.</summary>
    public IReadOnlyList<IItemTransform> ItemTransforms { get; }

    /// <summary>Applied to each training batch, in order.</summary>
    public IReadOnlyList<IBatchTransform> BatchTransforms { get; }

    /// <summary>A copy with some parts replaced (fastai's <c>DataBlock.new</c>).</summary>
    /// <param name="itemTransforms">New item transforms, or null to keep these.</param>
    /// <param name="batchTransforms">New batch transforms, or null to keep these.</param>
    /// <param name="splitter">New splitter, or null to keep this one.</param>
    /// <param name="getY">New labeller, or null to keep this one.</param>
    public DataBlock With(IReadOnlyList<IItemTransform>? itemTransforms = null, IReadOnlyList<IBatchTransform>? batchTransforms = null,
        ISplitter? splitter = null, Func<string, string>? getY = null) =>
        new(GetItems, splitter ?? Splitter, getY ?? GetY, itemTransforms ?? ItemTransforms, batchTransforms ?? BatchTransforms);

    /// <summary>Finds, labels and splits the items under <paramref name="path"/> and returns their loaders.</summary>
    /// <param name="path">The data folder.</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="seed">Seed of shuffling and augmentation; the same seed gives the same batches.</param>
    /// <param name="skipBadImages">Leave out (and list in <see cref="DataLoaders.Skipped"/>) images that can't be opened,
    /// instead of failing on the first one.</param>
    /// <param name="workers">Decoding threads; by default one per core.</param>
    /// <exception cref="InvalidDataException">No images, fewer than two classes, an item without a label, or a class with no training images.</exception>
    public DataLoaders DataLoaders(string path, int batchSize = 64, ulong seed = 42, bool skipBadImages = false, int? workers = null)
    {
        var (items, labels, skipped) = Label(path, skipBadImages);
        var vocab = labels.Distinct().Order(StringComparer.Ordinal).ToList();
        if (vocab.Count < 2)
            throw new InvalidDataException($"Only one class ('{vocab[0]}') found in {path}: a classifier needs at least two, e.g. one folder per class.");
        var (train, valid) = Splitter.Split(items);
        var warnings = EmptyClassFolders(path).ToList();
        warnings.AddRange(CheckSplit(vocab, labels, train, valid));

        var classOf = vocab.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        List<LabelledItem> Pick(IReadOnlyList<int> indices) => [.. indices.Select(i => new LabelledItem(items[i], classOf[labels[i]]))];
        int threads = workers ?? Environment.ProcessorCount;
        return new DataLoaders(
            new DataLoader(Pick(train), vocab, isTraining: true, batchSize, ItemTransforms, BatchTransforms, seed, threads, path),
            new DataLoader(Pick(valid), vocab, isTraining: false, batchSize, ItemTransforms, BatchTransforms, seed, threads, path),
            warnings, skipped);
    }

    /// <summary>
    /// What each step does, shown on the first item (fastai's <c>summary</c>): items found, the split,
    /// the label, the decoded size and the size after each item transform, then the batch transforms.
    /// </summary>
    /// <param name="path">The data folder.</param>
    public string Summary(string path)
    {
        var text = new StringBuilder();
        var (items, labels, _) = Label(path, skipBadImages: false);
        var (train, valid) = Splitter.Split(items);
        text.AppendLine($"Collecting items from {path}: found {items.Count} with {GetItems.Method.Name}.");
        text.AppendLine($"Splitting with {Splitter}: {train.Count} training, {valid.Count} validation.");
        text.AppendLine($"Labelling with {GetY.Method.Name}: {labels.Distinct().Count()} classes: {string.Join(", ", labels.Distinct().Order(StringComparer.Ordinal))}.");
        string first = items[0];
        text.AppendLine($"Example: {first} → label '{labels[0]}'.");
        var image = ImageDecoder.Decode(first);
        text.AppendLine($"  decoded: {image.Width}×{image.Height} RGB");
        var context = new ItemContext(isTraining: true, new SeededRandom(0));
        foreach (var transform in ItemTransforms)
        {
            image = transform.Apply(image, context);
            text.AppendLine($"  {transform} (training): {image.Width}×{image.Height}");
        }
        text.AppendLine($"  to tensor: float [3, {image.Height}, {image.Width}] in [0, 1]");
        foreach (var transform in BatchTransforms)
            text.AppendLine($"  batch: {transform} (training batches only)");
        return text.ToString();
    }

    (IReadOnlyList<string> Items, IReadOnlyList<string> Labels, IReadOnlyList<ImageProblem> Skipped) Label(string path, bool skipBadImages)
    {
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"Data folder not found: '{path}'.");
        var items = GetItems(path);
        IReadOnlyList<ImageProblem> skipped = [];
        if (skipBadImages)
        {
            skipped = ImageVerifier.Verify(items);
            var bad = skipped.Select(p => p.Path).ToHashSet(StringComparer.Ordinal);
            items = [.. items.Where(i => !bad.Contains(i))];
        }
        if (items.Count == 0)
            throw new InvalidDataException($"No images found in '{path}' (looked for {string.Join(", ", ImageFiles.Extensions.Order())}).");
        string root = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar), rootName = Path.GetFileName(root);
        var labels = items.Select(item =>
        {
            string label;
            try
            {
                label = GetY(item);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                throw new InvalidDataException($"Cannot get the label of '{item}': {e.Message}", e);
            }
            if (string.IsNullOrWhiteSpace(label))
                throw new InvalidDataException($"'{item}' has an empty label.");
            // A file lying directly in the data folder would otherwise be "labelled" with the data folder's own name.
            if (label == rootName && Path.GetFullPath(Path.GetDirectoryName(item)!) == root)
                throw new InvalidDataException($"'{item}' lies directly in {path}, not in a class folder, so it has no label. Move it into the folder of its class.");
            return label;
        }).ToList();
        return (items, labels, skipped);
    }

    static IEnumerable<string> EmptyClassFolders(string path) =>
        Directory.EnumerateDirectories(path)
            .Where(folder => !Path.GetFileName(folder).StartsWith(ImageFiles.ReservedFolderPrefix, StringComparison.Ordinal))
            .Where(folder => ImageFiles.Get(folder).Count == 0)
            .Order(StringComparer.Ordinal)
            .Select(folder => $"'{folder}' holds no images, so it gives no class.");

    static IEnumerable<string> CheckSplit(IReadOnlyList<string> vocab, IReadOnlyList<string> labels, IReadOnlyList<int> train, IReadOnlyList<int> valid)
    {
        var inTrain = train.Select(i => labels[i]).ToHashSet(StringComparer.Ordinal);
        var inValid = valid.Select(i => labels[i]).ToHashSet(StringComparer.Ordinal);
        var untrained = vocab.Where(c => !inTrain.Contains(c)).ToList();
        if (untrained.Count > 0)
            throw new InvalidDataException(
                $"The split leaves no training images for {string.Join(", ", untrained.Select(c => $"'{c}'"))}: the model could never learn " +
                "that class. Add images of it, or change the split.");
        if (valid.Count == 0)
            return ["The validation set is empty, so there is nothing to measure the model on."];
        return vocab.Where(c => !inValid.Contains(c)).Select(c => $"Class '{c}' has no validation images, so its errors won't be measured.");
    }
}
