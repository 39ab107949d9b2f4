using System.Collections;
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Kodiak.Training.Augmentation;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Plots;
using Kodiak.Vision.Transforms;
using static TorchSharp.torch;

namespace Kodiak.Training.Data;

/// <summary>
/// Batches of one split. Training: shuffled each epoch, last partial batch dropped, item and batch
/// augmentation on. Validation: in order, every item, no augmentation. Images are decoded on worker
/// threads a few batches ahead of the consumer; the same seed gives the same batches.
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    const int Prefetch = 2;

    // Random streams per epoch: items use non-negative indices, so shuffle and batch augmentation use negative ones.
    const long ShuffleStream = -1, BatchStream = -2;
    readonly IReadOnlyList<IItemTransform> _itemTransforms;
    readonly IReadOnlyList<IBatchTransform> _batchTransforms;
    readonly ulong _seed;
    readonly int _workers;
    readonly string _dataPath;
    readonly bool _augmented;
    int _nextEpoch;

    internal DataLoader(IReadOnlyList<LabelledItem> items, IReadOnlyList<string> vocab, bool isTraining, int batchSize,
        IReadOnlyList<IItemTransform> itemTransforms, IReadOnlyList<IBatchTransform> batchTransforms, ulong seed, int workers, string dataPath,
        bool? augmented = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Items = items;
        Vocab = vocab;
        IsTraining = isTraining;
        BatchSize = batchSize;
        _itemTransforms = itemTransforms;
        _batchTransforms = batchTransforms;
        _seed = seed;
        _workers = Math.Max(1, workers);
        _dataPath = dataPath;
        _augmented = augmented ?? isTraining;
    }

    /// <summary>The items of this split with their class indices, in split order.</summary>
    public IReadOnlyList<LabelledItem> Items { get; }

    /// <summary>Class names; a label is an index into this list.</summary>
    public IReadOnlyList<string> Vocab { get; }

    /// <summary>Whether this is the training split (shuffled, drop-last, augmented).</summary>
    public bool IsTraining { get; }

    /// <summary>Whether items and batches get the training augmentation (random crops, batch transforms).</summary>
    public bool IsAugmented => _augmented;

    /// <summary>Images per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Applied to each image at decode time (deterministically on validation).</summary>
    public IReadOnlyList<IItemTransform> ItemTransforms => _itemTransforms;

    /// <summary>The data folder the items came from.</summary>
    public string DataPath => _dataPath;

    /// <summary>Batches per epoch.</summary>
    public int Count => IsTraining ? Items.Count / BatchSize : (Items.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of the next epoch (each enumeration is a new epoch).</summary>
    public IEnumerator<Batch> GetEnumerator() => Epoch(_nextEpoch++).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The batches of epoch <paramref name="epoch"/>: the same epoch and seed always give the same batches.</summary>
    /// <param name="epoch">Epoch number; picks the shuffle and the augmentations.</param>
    /// <param name="cancellationToken">Stops decoding; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    public IEnumerable<Batch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        var order = Order(epoch);
        var batches = Enumerable.Range(0, Count)
            .Select(b => order[(b * BatchSize)..Math.Min(order.Length, (b + 1) * BatchSize)])
            .ToList();
        return Load(batches, epoch, cancellationToken);
    }

    /// <summary>
    /// Saves the first <paramref name="maxN"/> images of an epoch's first batch, as the model sees them
    /// (training: augmented), in a grid captioned with their labels, as a PNG.
    /// </summary>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="maxN">How many images.</param>
    /// <param name="nrows">Rows of the grid.</param>
    /// <param name="unique">Show one image under <paramref name="maxN"/> different augmentations instead.</param>
    /// <param name="epoch">Which epoch's shuffle and augmentations to show.</param>
    public void ShowBatch(string path, int maxN = 9, int nrows = 3, bool unique = false, int epoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxN, 1);
        var order = Order(epoch);
        int[] indices = unique ? [.. Enumerable.Repeat(order[0], maxN)] : order[..Math.Min(maxN, order.Length)];
        using var batch = ToBatch(Prepare(indices, epoch, CancellationToken.None), epoch, 0);
        using var scope = NewDisposeScope();
        var bytes = batch.Images.mul(255).round_().clamp_(0, 255).to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().data<byte>().ToArray();
        int height = (int)batch.Images.shape[2], width = (int)batch.Images.shape[3], size = 3 * width * height;
        var labels = batch.Labels.data<long>().ToArray();
        var cells = indices.Select((_, i) => (new RgbImage(width, height, bytes[(i * size)..((i + 1) * size)]), Vocab[(int)labels[i]])).ToList();
        ImageGrid.Save(cells, nrows, path);
    }

    /// <summary>
    /// The same items in the same order, every one of them, but with the training augmentation (random crops and
    /// batch transforms) — what fastai's <c>tta</c> draws its augmented views from. Each epoch draws other augmentations.
    /// </summary>
    public DataLoader WithAugmentation() =>
        new(Items, Vocab, isTraining: false, BatchSize, _itemTransforms, _batchTransforms, _seed, _workers, _dataPath, augmented: true);

    /// <summary>
    /// Other items, loaded as this split loads its own, in order and every one of them: on the validation split, the
    /// training images as the exported model sees them (what the out-of-domain calibration fits on).
    /// </summary>
    internal DataLoader WithItems(IReadOnlyList<LabelledItem> items) =>
        new(items, Vocab, isTraining: false, BatchSize, _itemTransforms, _batchTransforms, _seed, _workers, _dataPath, augmented: _augmented);

    /// <summary>Item order of an epoch: shuffled by the seed when training, as listed otherwise.</summary>
    int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Items.Count).ToArray();
        if (IsTraining)
            SeededRandom.For(_seed, epoch, ShuffleStream).Shuffle(order);
        return order;
    }

    /// <summary>Decodes batches on a producer thread, a few ahead, and turns them into tensors on the caller's.</summary>
    IEnumerable<Batch> Load(IReadOnlyList<int[]> batches, int epoch, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var ready = new BlockingCollection<PreparedBatch>(Prefetch);
        ExceptionDispatchInfo? failure = null;
        var producer = Task.Run(() =>
        {
            try
            {
                for (int b = 0; b < batches.Count; b++)
                    ready.Add(Prepare(batches[b], epoch, stop.Token), stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : e);
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None);
        try
        {
            int index = 0;
            foreach (var prepared in ready.GetConsumingEnumerable(cancellationToken))
                yield return ToBatch(prepared, epoch, index++);
            failure?.Throw();
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
        }
    }

    /// <summary>Decodes and transforms the items of one batch in parallel into one CHW float buffer.</summary>
    internal PreparedBatch Prepare(IReadOnlyList<int> indices, int epoch, CancellationToken cancellationToken)
    {
        var images = new RgbImage[indices.Count];
        Parallel.For(0, indices.Count, new ParallelOptions { MaxDegreeOfParallelism = _workers, CancellationToken = cancellationToken }, i =>
        {
            var context = new ItemContext(_augmented, SeededRandom.For(_seed, epoch, ((long)indices[i] << 20) + i));
            images[i] = LoadItem(Items[indices[i]].Path, context);
        });
        var first = images[0];
        var pixels = new float[indices.Count * first.ChwLength];
        for (int i = 0; i < images.Length; i++)
        {
            if (images[i].Width != first.Width || images[i].Height != first.Height)
                throw new InvalidDataException(
                    $"'{Items[indices[i]].Path}' came out {images[i].Width}×{images[i].Height} but '{Items[indices[0]].Path}' {first.Width}×{first.Height}: " +
                    "images in a batch must have one size; add an item transform such as new Resize(224).");
            images[i].ToChwFloats(pixels.AsSpan(i * first.ChwLength, first.ChwLength));
        }
        return new PreparedBatch(pixels, [.. indices.Select(i => (long)Items[i].Label)], [.. indices.Select(i => Items[i].Path)], first.Width, first.Height);
    }

    RgbImage LoadItem(string path, ItemContext context)
    {
        try
        {
            return ItemPipeline.Load(path, _itemTransforms, context);
        }
        catch (ImageDecodeException e)
        {
            throw new InvalidDataException(
                $"Cannot load '{path}': {e.Reason}. Run `kodiak verify {_dataPath}` to find (and --move-to) the images that " +
                "can't be opened, or create the DataLoaders with skipBadImages: true to leave them out.", e);
        }
    }

    /// <summary>The tensors of a prepared batch, augmented when training.</summary>
    internal Batch ToBatch(PreparedBatch prepared, int epoch, int batchIndex)
    {
        using var scope = NewDisposeScope();
        var images = empty(prepared.Labels.Length, 3, prepared.Height, prepared.Width);
        images.data<float>().CopyFrom(prepared.Pixels);
        if (_augmented && _batchTransforms.Count > 0)
        {
            using var generator = new Generator(SeededRandom.For(_seed, epoch, BatchStream - batchIndex).NextUInt64());
            foreach (var transform in _batchTransforms)
                images = transform.Apply(images, generator);
        }
        return new Batch(images, tensor(prepared.Labels), prepared.Paths);
    }
}

/// <summary>A decoded batch waiting to become tensors.</summary>
internal sealed record PreparedBatch(float[] Pixels, long[] Labels, IReadOnlyList<string> Paths, int Width, int Height);
