using Kodiak.Testing;
using Kodiak.Training.Data;

namespace Kodiak.Training.Tests.Data;

public sealed class SplitterTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static readonly string[] Items = [.. Enumerable.Range(0, 100).Select(i => $"/d/c/{i}.jpg")];

    [Fact]
    public void RandomSplitter_is_a_disjoint_cover_of_the_requested_size_and_repeats_for_a_seed()
    {
        var (train, valid) = new RandomSplitter(0.2, seed: 42).Split(Items);

        Assert.Equal(20, valid.Count);
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(valid).Order());
        Assert.Equal(valid, new RandomSplitter(0.2, seed: 42).Split(Items).Valid);
        Assert.NotEqual(valid, new RandomSplitter(0.2, seed: 43).Split(Items).Valid);
        Assert.NotEqual(Enumerable.Range(0, 20), valid);
    }

    [Fact]
    public void RandomSplitter_refuses_a_fraction_outside_0_to_1()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomSplitter(1.0).Split(Items));
    }

    [Fact]
    public void GrandparentSplitter_uses_train_and_valid_folders_and_names_a_stray_file()
    {
        string[] items = ["/d/train/a/1.jpg", "/d/valid/a/2.jpg", "/d/train/b/3.jpg"];

        var (train, valid) = new GrandparentSplitter().Split(items);

        Assert.Equal([0, 2], train);
        Assert.Equal([1], valid);
        var error = Assert.Throws<InvalidDataException>(() => new GrandparentSplitter().Split(["/d/test/a/9.jpg"]));
        Assert.Contains("/d/test/a/9.jpg", error.Message);
    }

    [Fact]
    public void FuncSplitter_asks_the_function()
    {
        var (train, valid) = new FuncSplitter(path => path.EndsWith("7.jpg")).Split(Items);

        Assert.Equal([7, 17, 27, 37, 47, 57, 67, 77, 87, 97], valid);
        Assert.Equal(90, train.Count);
    }

    [Fact]
    public void CsvSplitter_reads_the_is_valid_column_relative_to_the_csv()
    {
        string csv = _temp.Write("labels.csv", "file,label,is_valid\na/1.jpg,cat,False\n\"a/2,x.jpg\",cat,True\n"u8.ToArray());
        string[] items = [Path.Combine(_temp.Path, "a", "1.jpg"), Path.Combine(_temp.Path, "a", "2,x.jpg")];

        var (train, valid) = new CsvSplitter(csv).Split(items);

        Assert.Equal([0], train);
        Assert.Equal([1], valid);
        var error = Assert.Throws<InvalidDataException>(() => new CsvSplitter(csv).Split([Path.Combine(_temp.Path, "b.jpg")]));
        Assert.Contains("b.jpg", error.Message);
    }
}
