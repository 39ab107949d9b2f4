using Kodiak.Testing;
using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Training.Tests.Data;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Learn;

public sealed class LearnerOptionsTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    Learner AugmentedLearner(int perClass = 8)
    {
        string data = DataFixture.Write(_temp, perClass);
        var block = new DataBlock(ImageFiles.Get, new RandomSplitter(0.25, seed: 3), Labels.ParentFolder,
            [new RandomResizedCrop(32, minScale: 0.3)], [Augment.Default(maxLighting: 0.6)]);
        return VisionLearner.Create(block.DataLoaders(data, batchSize: 4, seed: 5, workers: 1), Arch.ResNet18, seed: 5);
    }

    [Fact]
    public void Tta_blends_augmented_views_with_the_plain_prediction()
    {
        using var learner = AugmentedLearner();
        learner.FitOneCycle(1, 1e-2);
        var plain = learner.GetPreds();

        var onlyPlain = learner.Tta(beta: 1);
        var blended = learner.Tta();

        int items = plain.Targets.Count, classes = learner.Dls.Vocab.Count;
        Assert.Equal(plain.Paths, blended.Paths);
        Assert.Equal(plain.Targets, blended.Targets);
        for (int i = 0; i < items; i++)
        {
            Assert.Equal(1, Enumerable.Range(0, classes).Sum(c => blended.Probability(i, c)), 4);
            for (int c = 0; c < classes; c++)
                Assert.Equal(plain.Probability(i, c), onlyPlain.Probability(i, c), 6);
            Assert.Equal(-Math.Log(blended.Probability(i, blended.Targets[i])), blended.Losses[i], 4);
        }
        Assert.Contains(Enumerable.Range(0, items), i => Math.Abs(blended.Probability(i, 0) - plain.Probability(i, 0)) > 1e-4);
        Assert.Equal(blended.Losses, learner.Tta().Losses);
    }

    [Fact]
    public void Keep_best_restores_the_epoch_with_the_lowest_validation_loss()
    {
        using var learner = AugmentedLearner();
        learner.KeepBest = true;
        learner.Unfreeze();
        learner.Callbacks.Add(new SpoilLastEpoch(learner, lastEpoch: 2));

        learner.FitOneCycle(3, 1e-3, phase: "fit");

        var epochs = learner.Recorder.Epochs;
        Assert.NotNull(learner.KeptEpoch);
        Assert.Equal(epochs.MinBy(e => e.ValidLoss), learner.KeptEpoch);
        Assert.NotEqual(2, learner.KeptEpoch!.Epoch);
        Assert.Equal(learner.KeptEpoch.ValidLoss, learner.GetPreds().Losses.Average(), 4);
    }

    [Fact]
    public void Keep_best_on_cancel_restores_the_best_finished_epoch_not_the_last()
    {
        using var learner = AugmentedLearner();
        using var cancel = new CancellationTokenSource();
        learner.KeepBest = true;
        learner.Cancellation = cancel.Token;
        learner.Unfreeze();
        learner.Callbacks.Add(new SpoilLastEpoch(learner, lastEpoch: 1));
        learner.Callbacks.Add(new CancelInEpoch(cancel, epoch: 2));

        learner.FitOneCycle(3, 1e-3, phase: "fit");

        Assert.True(learner.Recorder.Interrupted);
        Assert.Equal(2, learner.Recorder.Epochs.Count);
        Assert.Equal(0, learner.KeptEpoch!.Epoch);
        Assert.Equal(learner.Recorder.Epochs[0].ValidLoss, learner.GetPreds().Losses.Average(), 4);
    }

    [Fact]
    public void Balanced_class_weights_make_each_class_count_as_much_and_wrong_weights_are_refused()
    {
        using var learner = AugmentedLearner();
        var counts = learner.Dls.Vocab.Select((_, c) => learner.Dls.Train.Items.Count(i => i.Label == c)).ToArray();

        var weights = learner.BalancedClassWeights();

        for (int c = 0; c < counts.Length; c++)
            Assert.Equal(learner.Dls.Train.Items.Count, weights[c] * counts[c] * counts.Length, 3);
        learner.ClassWeights = weights;
        Assert.Throws<ArgumentException>(() => learner.ClassWeights = [1f, 1f]);
        Assert.Throws<ArgumentException>(() => learner.ClassWeights = [1f, 0f, 1f]);
        learner.FitOneCycle(1, 1e-2);
        Assert.True(double.IsFinite(learner.Recorder.Epochs[^1].TrainLoss));
    }

    sealed class CancelInEpoch(CancellationTokenSource cancel, int epoch) : ILearnerCallback
    {
        public void AfterBatch(TrainingState state)
        {
            if (state.Epoch == epoch) cancel.Cancel();
        }
    }

    /// <summary>Wrecks the head during the given epoch, so that epoch's validation loss is the worst.</summary>
    sealed class SpoilLastEpoch(Learner learner, int lastEpoch) : ILearnerCallback
    {
        public void AfterBatch(TrainingState state)
        {
            if (state.Epoch != lastEpoch) return;
            using var noGrad = no_grad();
            learner.Model.Head.get_parameter("lin2.weight")!.mul_(-50);
        }
    }
}
