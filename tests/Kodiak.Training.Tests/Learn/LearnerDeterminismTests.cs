using Kodiak.Testing;
using Kodiak.Training.Data;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using Kodiak.Training.Tests.Data;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Training.Tests.Learn;

/// <summary>A learner on a tiny generated data set (32 px), for tests.</summary>
internal static class TinyLearner
{
    public static Learner Create(TempFolder temp, int perClass = 8, int batchSize = 4, ulong seed = 5,
        ILossFunction? lossFunc = null, Func<IReadOnlyList<ParamGroup>, IOptimizer>? optimizer = null)
    {
        string data = DataFixture.Write(temp, perClass);
        var block = new DataBlock(ImageFiles.Get, new RandomSplitter(0.25, seed: 3), Labels.ParentFolder,
            [new Resize(32, ResizeMethod.Squish)]);
        return VisionLearner.Create(block.DataLoaders(data, batchSize, seed: 5, workers: 1), Arch.ResNet18, seed: seed, lossFunc: lossFunc, optimizer: optimizer);
    }

    public static Dictionary<string, float[]> Weights(Learner learner) =>
        learner.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
}

public sealed class LearnerDeterminismTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void FineTune_on_a_tiny_set_lowers_the_validation_loss_and_records_both_phases()
    {
        using var learner = TinyLearner.Create(_temp, perClass: 8);
        double before = learner.GetPreds().Losses.Average();

        learner.FineTune(2, baseLr: 1e-2);

        double after = learner.GetPreds().Losses.Average();
        Assert.True(after < before, $"validation loss {before:0.000} → {after:0.000}");
        Assert.Equal(["frozen", "unfrozen", "unfrozen"], learner.Recorder.Epochs.Select(e => e.Phase));
        Assert.Equal("error_rate", learner.Recorder.Epochs[^1].Metrics.Single().Name);
    }

    [Fact]
    public void Training_resumed_from_a_checkpoint_ends_exactly_like_an_uninterrupted_run()
    {
        string checkpoint = Path.Combine(_temp.Path, "run", "checkpoint.bin");
        Dictionary<string, float[]> uninterrupted;
        using (var learner = TinyLearner.Create(_temp))
        {
            learner.FineTune(2, baseLr: 1e-2);
            uninterrupted = TinyLearner.Weights(learner);
        }
        using (var learner = TinyLearner.Create(_temp))
        using (var cancel = new CancellationTokenSource())
        {
            learner.CheckpointPath = checkpoint;
            learner.Cancellation = cancel.Token;
            learner.Callbacks.Add(new CancelAfterEpoch(cancel, "unfrozen"));
            learner.FineTune(2, baseLr: 1e-2);
            Assert.True(learner.Recorder.Interrupted);
        }

        using var resumed = TinyLearner.Create(_temp);
        resumed.LoadCheckpoint(checkpoint);
        Assert.Equal(["frozen", "unfrozen"], resumed.Recorder.Epochs.Select(e => e.Phase));
        resumed.FineTune(2, baseLr: 1e-2);

        Assert.Equal(["frozen", "unfrozen", "unfrozen"], resumed.Recorder.Epochs.Select(e => e.Phase));
        var end = TinyLearner.Weights(resumed);
        Assert.All(uninterrupted.Keys, name => Assert.Equal(uninterrupted[name], end[name]));
    }

    sealed class CancelAfterEpoch(CancellationTokenSource cancel, string phase) : ILearnerCallback
    {
        public void AfterEpoch(TrainingState state)
        {
            if (state.Result!.Phase == phase) cancel.Cancel();
        }
    }
}
