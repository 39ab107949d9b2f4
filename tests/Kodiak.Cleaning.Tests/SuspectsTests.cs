using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Vision.Files;

namespace Kodiak.Cleaning.Tests;

public sealed class SuspectsTests : IDisposable
{
    readonly PlantedData _data = new();
    readonly Predictor _predictor;
    readonly Suspects _suspects;

    public SuspectsTests()
    {
        _predictor = Predictor.Load(_data.Bundle);
        _suspects = Suspects.Find(_predictor, _data.Data);
    }

    public void Dispose()
    {
        _predictor.Dispose();
        _data.Dispose();
    }

    [Fact]
    public void Every_image_is_scored_once_with_its_folder_as_label_and_the_recorded_split()
    {
        Assert.Equal(ImageFiles.Get(_data.Data).Count, _suspects.Images.Count);
        var leak = _suspects.Images.Single(i => i.RelativePath == PlantedData.LeakValid);
        Assert.Equal(("green", DataSplit.Valid, "green"), (leak.Label, leak.Split, leak.Predicted));
        Assert.Equal(DataSplit.Train, _suspects.Images.Single(i => i.RelativePath == PlantedData.LeakTrain).Split);
        Assert.Equal(4, _suspects.Images.Count(i => i.Split == DataSplit.Valid));
    }

    [Fact]
    public void The_images_in_the_wrong_class_have_the_highest_loss_and_are_likely_mislabelled()
    {
        string[] planted = [PlantedData.CopiedAcrossClasses, PlantedData.WrongClass];

        Assert.Equal(planted.Order(), _suspects.Loss().Take(2).Select(i => i.RelativePath).Order());
        var mislabeled = _suspects.Mislabeled();
        Assert.Equal(planted.Order(), mislabeled.Select(m => m.Image.RelativePath).Order());
        Assert.All(mislabeled, m => Assert.Equal("red", m.LikelyClass));
        Assert.Equal(PlantedData.WrongClass, _suspects.Loss("green").First().RelativePath);
        Assert.All(_suspects.Loss("blue", DataSplit.Valid), i => Assert.Equal(("blue", DataSplit.Valid), (i.Label, i.Split)));
    }

    [Fact]
    public void Copies_are_the_most_similar_pairs_flagged_across_classes_and_across_train_and_valid()
    {
        var duplicates = _suspects.Duplicates();

        var top = duplicates.Take(2).ToDictionary(d => (d.First.RelativePath, d.Second.RelativePath));
        var across = top[(PlantedData.CopiedAcrossClasses, PlantedData.CopiedFrom)];
        Assert.True(across.AcrossClasses);
        Assert.False(across.AcrossSplits);
        var leak = top[(PlantedData.LeakValid, PlantedData.LeakTrain)];
        Assert.True(leak.AcrossSplits);
        Assert.False(leak.AcrossClasses);
        Assert.All(top.Values, d => Assert.Equal(1, d.Similarity, 5));
        Assert.All(duplicates.Skip(2), d => Assert.True(d.Similarity < 0.9999, $"{d} is as similar as a copy"));
        Assert.Empty(_suspects.Duplicates(minSimilarity: 1.01));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void The_top_pairs_kept_while_scanning_are_the_top_of_a_brute_force_ranking_of_every_pair(int top)
    {
        var images = _suspects.Images;
        var everyPair = (
            from i in Enumerable.Range(0, images.Count)
            from j in Enumerable.Range(i + 1, images.Count - i - 1)
            select (First: images[i].RelativePath, Second: images[j].RelativePath, Similarity: Math.Min(_suspects.Similarity(i, j), 1)))
            .OrderByDescending(p => p.Similarity).ThenBy(p => p.First, StringComparer.Ordinal).ThenBy(p => p.Second, StringComparer.Ordinal)
            .ToList();

        var kept = _suspects.Duplicates(minSimilarity: -1, top: top);

        Assert.Equal(everyPair.Take(top), kept.Select(p => (p.First.RelativePath, p.Second.RelativePath, p.Similarity)));
        Assert.Equal(everyPair.Count, kept.Total);
        Assert.Equal(images.Count * (images.Count - 1) / 2, everyPair.Count);
    }

    [Fact]
    public void Duplicates_count_every_pair_above_the_threshold_but_keep_only_the_top()
    {
        var all = _suspects.Duplicates(minSimilarity: 0.5);

        var two = _suspects.Duplicates(minSimilarity: 0.5, top: 2);

        Assert.True(all.Count > 2, $"only {all.Count} pairs");
        Assert.Equal(all.Take(2), two);
        Assert.Equal(all.Count, two.Total);
        Assert.Throws<ArgumentOutOfRangeException>(() => _suspects.Duplicates(top: 0));
    }

    [Fact]
    public void After_moves_a_relabelled_image_keeps_its_scores_under_its_new_label_and_a_deleted_one_leaves_until_undone()
    {
        var cleaner = new DataCleaner(_data.Data);
        var wrong = _suspects.Images.Single(i => i.RelativePath == PlantedData.WrongClass);
        var applied = cleaner.Apply([CleaningChange.Relabel(PlantedData.WrongClass, "red"), CleaningChange.Delete(PlantedData.Outlier)]);

        var moved = _suspects.Moved(applied, _predictor);

        Assert.Equal(_suspects.Images.Count - 1, moved.Images.Count);
        Assert.DoesNotContain(moved.Images, i => i.RelativePath is PlantedData.WrongClass or PlantedData.Outlier);
        var relabelled = moved.Images.Single(i => i.RelativePath == "red/r9.png");
        Assert.Equal(("red", wrong.Split, wrong.Predicted, wrong.Probabilities), (relabelled.Label, relabelled.Split, relabelled.Predicted, relabelled.Probabilities));
        Assert.True(relabelled.Loss < wrong.Loss);
        Assert.Equal(_data.Full("red/r9.png"), relabelled.Path);
        Assert.Equal(ImageFiles.Get(_data.Data).Select(f => Path.GetRelativePath(_data.Data, f).Replace('\\', '/')), moved.Images.Select(i => i.RelativePath));
        Assert.Equal(Suspects.Find(_predictor, _data.Data).Loss().Select(Scores), moved.Loss().Select(Scores));

        var undone = moved.Moved(cleaner.Undo(), _predictor);

        Assert.Equal(_suspects.Images.Select(Scores), undone.Images.Select(Scores));
        Assert.Equal(_suspects.Duplicates().Select(Paths), undone.Duplicates().Select(Paths));
    }

    [Fact]
    public void A_file_the_set_never_scored_is_scored_when_it_comes_back()
    {
        var cleaner = new DataCleaner(_data.Data);
        cleaner.Apply([CleaningChange.Delete("blue/b2.png")]);
        var before = Suspects.Find(_predictor, _data.Data);

        var after = before.Moved(cleaner.Undo(), _predictor);

        Assert.Equal(_suspects.Images.Select(Scores), after.Images.Select(Scores));
    }

    static (string, string, DataSplit, string, double) Scores(ScoredImage i) => (i.RelativePath, i.Label, i.Split, i.Predicted, Math.Round(i.Loss, 5));

    static (string, string) Paths(DuplicatePair p) => (p.First.RelativePath, p.Second.RelativePath);

    [Fact]
    public void The_grey_image_is_the_farthest_from_every_class()
    {
        var outliers = _suspects.Outliers();

        Assert.Equal(PlantedData.Outlier, outliers[0].Image.RelativePath);
        Assert.True(outliers[0].Distance > 2 * outliers[1].Distance, $"{outliers[0]} vs {outliers[1]}");
        Assert.Equal(_suspects.Images.Count, outliers.Count);
    }

    [Fact]
    public void A_bundle_without_a_recorded_split_marks_every_image_unknown_and_finds_no_leak()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_data.Data, "..", "old.kodiak")));

        var suspects = Suspects.Find(predictor, _data.Data);

        Assert.All(suspects.Images, i => Assert.Equal(DataSplit.Unknown, i.Split));
        Assert.DoesNotContain(suspects.Duplicates(), d => d.AcrossSplits);
    }

    [Fact]
    public void An_image_in_a_folder_that_is_not_a_class_is_an_error_naming_it()
    {
        File.Copy(_data.Full(PlantedData.Outlier), _data.Full("purple.png"));

        var error = Assert.Throws<InvalidDataException>(() => Suspects.Find(_predictor, _data.Data));

        Assert.Contains("purple.png", error.Message);
        Assert.Contains("red, green, blue", error.Message);
    }

    [Fact]
    public void A_model_without_features_is_a_clear_error()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_data.Data, "..", "plain.kodiak"), features: false));

        var error = Assert.Throws<InvalidDataException>(() => Suspects.Find(predictor, _data.Data));

        Assert.Contains("plain.kodiak' has no features output", error.Message);
    }
}
