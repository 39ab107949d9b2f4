using Kodiak.Testing;
using Kodiak.Training.Learn;
using Kodiak.Training.Optimisation;

namespace Kodiak.Training.Tests.Learn;

public sealed class LearnerTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    Learner Create(int perClass = 8, int batchSize = 4) => TinyLearner.Create(_temp, perClass, batchSize);

    static Dictionary<string, float[]> Weights(Learner learner) => TinyLearner.Weights(learner);

    static bool Changed(Dictionary<string, float[]> before, Dictionary<string, float[]> after, string name) =>
        !before[name].SequenceEqual(after[name]);

    [Fact]
    public void Frozen_training_changes_the_head_and_batchnorm_but_not_body_convolutions()
    {
        using var learner = Create();
        var before = Weights(learner);

        learner.FitOneCycle(1, 1e-2);

        var after = Weights(learner);
        Assert.False(Changed(before, after, "body.conv1.weight"));
        Assert.False(Changed(before, after, "body.layer4.2.conv2.weight"));
        Assert.True(Changed(before, after, "body.bn1.weight"));
        Assert.True(Changed(before, after, "body.layer2.0.bn1.bias"));
        Assert.True(Changed(before, after, "head.lin2.weight"));
    }

    [Fact]
    public void Unfrozen_training_changes_every_group()
    {
        using var learner = Create();
        learner.Unfreeze();
        var before = Weights(learner);

        learner.FitOneCycle(1, 1e-3);

        var after = Weights(learner);
        Assert.True(Changed(before, after, "body.conv1.weight"));
        Assert.True(Changed(before, after, "body.layer4.2.conv2.weight"));
        Assert.True(Changed(before, after, "head.lin1.weight"));
    }

    [Fact]
    public void A_learning_rate_range_is_spread_geometrically_across_the_three_groups()
    {
        using var learner = Create();
        learner.Unfreeze();

        learner.FitOneCycle(1, new LrRange(1e-5, 1e-3), pctStart: 0.5, div: 1, divFinal: 1);

        var rates = learner.GroupLearningRates;
        Assert.Equal(1e-5, rates[0], 12);
        Assert.Equal(1e-4, rates[1], 12);
        Assert.Equal(1e-3, rates[2], 12);
    }

    [Fact]
    public void FineTunes_frozen_epoch_gives_the_body_a_tenth_of_the_heads_rate_as_fastais_slice_does()
    {
        using var learner = Create();
        var rates = new RatesDuring(learner, "frozen");
        learner.Callbacks.Add(rates);

        learner.FineTune(0, baseLr: 2e-3);

        Assert.NotEmpty(rates.Seen);
        Assert.All(rates.Seen, r =>
        {
            Assert.Equal(0.1, r[0] / r[2], 12);
            Assert.Equal(0.1, r[1] / r[2], 12);
        });
    }

    [Fact]
    public void Freezing_or_unfreezing_clears_the_optimisers_moments()
    {
        using var learner = Create();
        learner.FitOneCycle(1, 1e-3);
        var saved = learner.OptimizerMoments;
        Assert.Contains(saved, m => m is not null);

        learner.Unfreeze();

        Assert.All(learner.OptimizerMoments, Assert.Null);
    }

    [Fact]
    public void Cancelling_keeps_the_weights_of_the_last_finished_epoch()
    {
        using var learner = Create();
        learner.FitOneCycle(1, 1e-2);
        var afterFirst = Weights(learner);
        using var cancel = new CancellationTokenSource();
        learner.Callbacks.Add(new CancelAfterFirstBatch(cancel));
        learner.Cancellation = cancel.Token;

        learner.FitOneCycle(2, 1e-2);

        Assert.True(learner.Recorder.Interrupted);
        Assert.Single(learner.Recorder.Epochs);
        var now = Weights(learner);
        Assert.All(afterFirst.Keys, name => Assert.False(Changed(afterFirst, now, name), name));
    }

    [Fact]
    public void LrFind_sweeps_exponentially_stops_when_the_loss_explodes_and_restores_the_weights()
    {
        using var learner = Create();
        var before = Weights(learner);

        var found = learner.LrFind(start: 1e-6, end: 100, iterations: 40);

        Assert.Equal(1e-6, found.LearningRates[0], 15);
        for (int i = 1; i < found.LearningRates.Count; i++)
            Assert.Equal(Math.Pow(100 / 1e-6, 1.0 / 40), found.LearningRates[i] / found.LearningRates[i - 1], 9);
        Assert.True(found.LearningRates.Count < 40, $"swept all {found.LearningRates.Count} rates up to 100 without the loss exploding");
        double last = found.Losses[^1];
        Assert.True(!double.IsFinite(last) || last > 4 * found.Losses.Min(), $"stopped at loss {last} (best {found.Losses.Min()})");
        Assert.InRange(found.Valley, 1e-6, 100);
        var after = Weights(learner);
        Assert.All(before.Keys, name => Assert.False(Changed(before, after, name), name));
        string plot = Path.Combine(_temp.Path, "lr_find.png");
        found.Plot(plot);
        Assert.Equal(SkiaSharp.SKEncodedImageFormat.Png, SkiaSharp.SKCodec.Create(plot).EncodedFormat);
    }

    [Fact]
    public void A_checkpoint_of_other_data_or_a_damaged_file_is_refused_with_the_reason()
    {
        string checkpoint = Path.Combine(_temp.Path, "checkpoint.bin");
        using (var learner = Create())
            learner.SaveCheckpoint(checkpoint);

        using var other = Create(batchSize: 2);
        var mismatch = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(checkpoint));
        Assert.Contains("in batches of 4", mismatch.Message);

        File.WriteAllBytes(checkpoint, File.ReadAllBytes(checkpoint)[..1000]);
        using var same = Create();
        var damaged = Assert.Throws<InvalidDataException>(() => same.LoadCheckpoint(checkpoint));
        Assert.Contains(checkpoint, damaged.Message);
    }

    sealed class RatesDuring(Learner learner, string phase) : ILearnerCallback
    {
        string _phase = "";

        public List<double[]> Seen { get; } = [];

        public void BeforeFit(TrainingState state) => _phase = state.Phase;

        public void AfterBatch(TrainingState state)
        {
            if (_phase == phase) Seen.Add([.. learner.GroupLearningRates]);
        }
    }

    sealed class CancelAfterFirstBatch(CancellationTokenSource cancel) : ILearnerCallback
    {
        public void AfterBatch(TrainingState state) => cancel.Cancel();
    }
}
