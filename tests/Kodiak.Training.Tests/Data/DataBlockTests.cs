using Kodiak.Testing;
using Kodiak.Training.Data;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Tests.Data;

public sealed class DataBlockTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Vocab_is_sorted_and_the_split_covers_every_image()
    {
        string data = DataFixture.Write(_temp);

        var dls = DataFixture.Block().DataLoaders(data, batchSize: 4);

        Assert.Equal(["blue", "green", "red"], dls.Vocab);
        Assert.Equal(18, dls.Train.Items.Count + dls.Valid.Items.Count);
        Assert.Empty(dls.Train.Items.Select(i => i.Path).Intersect(dls.Valid.Items.Select(i => i.Path)));
        Assert.All(dls.Train.Items, item => Assert.Equal(Labels.ParentFolder(item.Path), dls.Vocab[item.Label]));
    }

    [Fact]
    public void A_single_class_is_an_error()
    {
        string data = DataFixture.Write(_temp);
        Directory.Delete(Path.Combine(data, "green"), true);
        Directory.Delete(Path.Combine(data, "blue"), true);

        var error = Assert.Throws<InvalidDataException>(() => DataFixture.Block().DataLoaders(data));
        Assert.Contains("Only one class ('red')", error.Message);
    }

    [Fact]
    public void An_empty_class_folder_is_a_warning_naming_it()
    {
        string data = DataFixture.Write(_temp);
        Directory.CreateDirectory(Path.Combine(data, "teddy"));

        var dls = DataFixture.Block().DataLoaders(data);

        Assert.Contains(dls.Warnings, w => w.Contains("teddy") && w.Contains("no images"));
        Assert.DoesNotContain("teddy", dls.Vocab);
    }

    [Fact]
    public void A_split_that_leaves_a_class_out_of_training_is_an_error_naming_the_class()
    {
        string data = DataFixture.Write(_temp);

        var error = Assert.Throws<InvalidDataException>(() =>
            DataFixture.Block(new FuncSplitter(path => path.Contains("blue"))).DataLoaders(data));
        Assert.Contains("'blue'", error.Message);
    }

    [Fact]
    public void An_image_outside_any_class_folder_is_an_error_naming_it()
    {
        string data = DataFixture.Write(_temp);
        string stray = _temp.Write(Path.Combine("data", "stray.png"), ImageEncoder.Encode(TestImages.Photo(20, 20), ImageFormat.Png));

        var error = Assert.Throws<InvalidDataException>(() => DataFixture.Block().DataLoaders(data));
        Assert.Contains(stray, error.Message);
        Assert.Contains("no label", error.Message);
    }

    [Fact]
    public void No_images_is_an_error_naming_the_folder()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "empty"));

        var error = Assert.Throws<InvalidDataException>(() => DataFixture.Block().DataLoaders(Path.Combine(_temp.Path, "empty")));
        Assert.Contains("empty", error.Message);
    }

    [Fact]
    public void A_corrupt_image_fails_fast_with_its_path_and_a_hint_or_is_skipped_and_listed_on_request()
    {
        string data = DataFixture.Write(_temp);
        string bad = _temp.Write(Path.Combine("data", "red", "broken.jpg"), TestImages.Text("not an image"));
        var block = DataFixture.Block(new FuncSplitter(_ => false));

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var batch in block.DataLoaders(data, batchSize: 19).Train) batch.Dispose();
        });
        Assert.Contains(bad, error.Message);
        Assert.Contains("kodiak verify", error.Message);

        var dls = block.DataLoaders(data, batchSize: 18, skipBadImages: true);
        Assert.Equal([bad], dls.Skipped.Select(p => p.Path));
        Assert.Equal(18, dls.Train.Items.Count);
    }

    [Fact]
    public void With_replaces_only_what_is_given()
    {
        var block = DataFixture.Block();
        var squish = new Resize(32, ResizeMethod.Pad);

        var changed = block.With(itemTransforms: [squish]);

        Assert.Same(squish, changed.ItemTransforms.Single());
        Assert.Same(block.Splitter, changed.Splitter);
    }

    [Fact]
    public void Summary_says_what_each_step_did_to_one_item()
    {
        string data = DataFixture.Write(_temp);

        string summary = DataFixture.Block().Summary(data);

        Assert.Contains("found 18", summary);
        Assert.Contains("3 classes: blue, green, red", summary);
        Assert.Contains("decoded: 40×30", summary);
        Assert.Contains(": 16×16", summary);
    }
}
