using Kodiak.Testing;
using Kodiak.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests;

public sealed class LearnerTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    Learner Create(int perClass = 8, int batchSize = 4)
    {
        string data = DataFixture.Write(_temp, perClass);
        var block = new DataBlock((new ImageBlock(), new CategoryBlock()), ImageFiles.Get, new RandomSplitter(0.25, seed: 3), Labels.ParentFolder,
            [new Resize(32, ResizeMethod.Squish)]);
        return VisionLearner.Create(block.DataLoaders(data, batchSize, seed: 5, workers: 1), Arch.ResNet18, seed: 5);
    }

    static Dictionary<string, float[]> Weights(Learner learner) =>
        learner.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());

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
    public void FineTune_on_a_tiny_set_lowers_the_validation_loss_and_records_both_phases()
    {
        using var learner = Create(perClass: 8);
        double before = learner.GetPreds().Losses.Average();

        learner.FineTune(2, baseLr: 1e-2);

        double after = learner.GetPreds().Losses.Average();
        Assert.True(after < before, $"validation loss {before:0.000} → {after:0.000}");
        Assert.Equal(["frozen", "unfrozen", "unfrozen"], learner.Recorder.Epochs.Select(e => e.Phase));
        Assert.Equal("error_rate", learner.Recorder.Epochs[^1].Metrics.Single().Name);
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

    sealed class CancelAfterFirstBatch(CancellationTokenSource cancel) : ILearnerCallback
    {
        public void AfterBatch(int epoch, int batch, double smoothLoss) => cancel.Cancel();
    }
}
