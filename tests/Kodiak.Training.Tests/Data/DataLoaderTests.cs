using Kodiak.Testing;
using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Vision.Codecs;
using TorchSharp;

namespace Kodiak.Training.Tests.Data;

public sealed class DataLoaderTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static List<(float[] Images, long[] Labels, string[] Paths)> Read(IEnumerable<Batch> batches) =>
        [.. batches.Select(b => { using (b) return (b.Images.data<float>().ToArray(), b.Labels.data<long>().ToArray(), b.Paths.ToArray()); })];

    [Fact]
    public void Training_batches_are_full_shuffled_per_epoch_and_repeat_for_a_seed()
    {
        string data = DataFixture.Write(_temp, perClass: 10);
        var train = DataFixture.Block(new FuncSplitter(_ => false)).DataLoaders(data, batchSize: 8).Train;

        var epoch0 = Read(train.Epoch(0));
        var epoch1 = Read(train.Epoch(1));

        Assert.Equal(3, train.Count);
        Assert.Equal(3, epoch0.Count);
        Assert.All(epoch0, b => Assert.Equal(8, b.Labels.Length));
        Assert.NotEqual(epoch0.SelectMany(b => b.Paths), epoch1.SelectMany(b => b.Paths));
        Assert.Equal(epoch0.SelectMany(b => b.Paths), Read(train.Epoch(0)).SelectMany(b => b.Paths));
        Assert.NotEqual(train.Items.Take(24).Select(i => i.Path), epoch0.SelectMany(b => b.Paths));
    }

    [Fact]
    public void Images_are_rgb_in_0_1_with_their_labels()
    {
        string data = DataFixture.Write(_temp);
        var dls = DataFixture.Block().DataLoaders(data, batchSize: 4);

        foreach (var batch in dls.Valid)
            using (batch)
            {
                Assert.Equal([batch.Paths.Count, 3, 16, 16], batch.Images.shape);
                var pixels = batch.Images.data<float>().ToArray();
                var labels = batch.Labels.data<long>().ToArray();
                for (int i = 0; i < labels.Length; i++)
                {
                    var (_, r, _, _) = DataFixture.Classes.Single(c => c.Name == dls.Vocab[(int)labels[i]]);
                    Assert.Equal(r / 255f, pixels[i * 3 * 256], 2);
                }
            }
    }

    [Fact]
    public void Validation_batches_are_in_order_complete_and_never_augmented()
    {
        string data = DataFixture.Write(_temp);
        var dls = DataFixture.Block(batchTransforms: [Augment.Default(maxLighting: 0.9)]).DataLoaders(data, batchSize: 4);

        var first = Read(dls.Valid);
        var second = Read(dls.Valid);

        Assert.Equal(dls.Valid.Items.Select(i => i.Path), first.SelectMany(b => b.Paths));
        Assert.Equal(first.SelectMany(b => b.Images), second.SelectMany(b => b.Images));
    }

    [Fact]
    public void WithAugmentation_keeps_every_item_in_order_and_draws_other_augmentations_each_epoch()
    {
        string data = DataFixture.Write(_temp);
        var valid = DataFixture.Block(batchTransforms: [Augment.Default(maxLighting: 0.9)]).DataLoaders(data, batchSize: 4).Valid;
        var augmented = valid.WithAugmentation();

        var plain = Read(valid);
        var first = Read(augmented.Epoch(0));

        Assert.True(augmented.IsAugmented);
        Assert.False(valid.IsAugmented);
        Assert.Equal(valid.Items.Select(i => i.Path), first.SelectMany(b => b.Paths));
        Assert.Equal(plain.SelectMany(b => b.Labels), first.SelectMany(b => b.Labels));
        Assert.NotEqual(plain.SelectMany(b => b.Images), first.SelectMany(b => b.Images));
        Assert.Equal(first.SelectMany(b => b.Images), Read(augmented.Epoch(0)).SelectMany(b => b.Images));
        Assert.NotEqual(first.SelectMany(b => b.Images), Read(augmented.Epoch(1)).SelectMany(b => b.Images));
    }

    [Fact]
    public void Training_batches_are_augmented()
    {
        string data = DataFixture.Write(_temp);
        var block = DataFixture.Block(new FuncSplitter(_ => false));
        var plain = Read(block.DataLoaders(data, batchSize: 18).Train.Epoch(0)).Single();
        var augmented = Read(block.With(batchTransforms: [Augment.Default(maxLighting: 0.9)]).DataLoaders(data, batchSize: 18).Train.Epoch(0)).Single();

        Assert.Equal(plain.Paths, augmented.Paths);
        Assert.NotEqual(plain.Images, augmented.Images);
    }

    [Fact]
    public void Native_memory_stays_flat_over_epochs()
    {
        string data = DataFixture.Write(_temp);
        var dls = DataFixture.Block(batchTransforms: [Augment.Default()]).DataLoaders(data, batchSize: 4);
        Read(dls.Train);
        // Per thread: batches become tensors on the consuming thread, and other tests run in parallel.
        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;

        for (int epoch = 0; epoch < 5; epoch++)
        {
            Read(dls.Train);
            Read(dls.Valid);
        }

        Assert.Equal(before, stats.ThreadTotalLiveCount);
    }

    [Fact]
    public void Cancelling_stops_the_epoch()
    {
        string data = DataFixture.Write(_temp);
        var train = DataFixture.Block(new FuncSplitter(_ => false)).DataLoaders(data, batchSize: 2).Train;
        using var cancel = new CancellationTokenSource();

        int seen = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in train.Epoch(0, cancel.Token))
                using (batch)
                {
                    seen++;
                    cancel.Cancel();
                }
        });
        Assert.Equal(1, seen);
    }

    [Fact]
    public void ShowBatch_writes_a_png_grid()
    {
        string data = DataFixture.Write(_temp);
        var dls = DataFixture.Block(batchTransforms: [Augment.Default()]).DataLoaders(data, batchSize: 8);
        string png = Path.Combine(_temp.Path, "out", "batch.png");

        dls.Train.ShowBatch(png, maxN: 6, nrows: 2, unique: true);

        var info = ImageDecoder.Identify(png);
        Assert.Equal(ImageFormat.Png, info.Format);
        Assert.True(info.Width > 3 * 16 && info.Height > 2 * 16);
    }
}
