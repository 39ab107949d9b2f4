using Kodiak.Testing;
using Kodiak.Training.Data;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Tests.Data;

public sealed class ImageDataLoadersTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void From_folder_with_valid_pct_labels_by_folder_and_splits_at_random_like_the_data_block()
    {
        string data = DataFixture.Write(_temp, perClass: 4);
        var sizing = new Resize(16, ResizeMethod.Squish);

        var dls = ImageDataLoaders.FromFolder(data, validPct: 0.25, seed: 7, itemTransforms: [sizing], batchSize: 2, workers: 1);

        var same = new DataBlock(ImageFiles.Get, new RandomSplitter(0.25, seed: 7), Labels.ParentFolder, [sizing]).DataLoaders(data, 2, seed: 7, workers: 1);
        Assert.Equal(["blue", "green", "red"], dls.Vocab);
        Assert.Equal(same.Valid.Items, dls.Valid.Items);
        Assert.Equal(same.Train.Items, dls.Train.Items);
        Assert.Equal(3, dls.Valid.Items.Count);
        Assert.Equal(2, dls.Train.BatchSize);
        Assert.Equal([sizing], dls.Valid.ItemTransforms);
        Assert.All(dls.Train.Items, item => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(item.Path)), dls.Vocab[item.Label]));
    }

    [Fact]
    public void From_folder_without_valid_pct_trains_on_train_validates_on_valid_and_leaves_other_folders_alone()
    {
        DataFixture.Write(_temp, perClass: 3, root: Path.Combine("data", "train"));
        DataFixture.Write(_temp, perClass: 1, root: Path.Combine("data", "valid"));
        DataFixture.Write(_temp, perClass: 2, root: Path.Combine("data", "test"));
        string data = Path.Combine(_temp.Path, "data");

        var dls = ImageDataLoaders.FromFolder(data, itemTransforms: [new Resize(16, ResizeMethod.Squish)], batchSize: 2, workers: 1);

        Assert.Equal(["blue", "green", "red"], dls.Vocab);
        Assert.Equal(9, dls.Train.Items.Count);
        Assert.All(dls.Train.Items, item => Assert.StartsWith(Path.Combine(data, "train") + Path.DirectorySeparatorChar, item.Path));
        Assert.Equal(3, dls.Valid.Items.Count);
        Assert.All(dls.Valid.Items, item => Assert.StartsWith(Path.Combine(data, "valid") + Path.DirectorySeparatorChar, item.Path));
    }
}
