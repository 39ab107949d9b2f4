using Kodiak.Testing;
using Kodiak.Training.Learn;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Learn;

public sealed class LearnerEventsTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    // Without weight decay, a step with zero gradients leaves every parameter where it was.
    static Func<IReadOnlyList<ParamGroup>, IOptimizer> NoDecay => groups => new FastAdam(groups, weightDecay: 0);

    static bool SameWeights(Dictionary<string, float[]> a, Dictionary<string, float[]> b) => a.Keys.All(name => a[name].SequenceEqual(b[name]));

    [Fact]
    public void A_fit_fires_every_event_in_order_and_callbacks_run_by_their_order()
    {
        using var learner = TinyLearner.Create(_temp);
        var log = new List<string>();
        learner.Callbacks.Add(new Log(log, "late", order: 10));
        learner.Callbacks.Add(new Log(log, "early", order: -10));

        learner.FitOneCycle(1, 1e-3);

        int batches = learner.Dls.Train.Count;
        Assert.True(batches >= 2);
        string[] batch = ["BeforeBatch", "AfterPred", "AfterLoss", "AfterBackward", "BeforeStep", "AfterStep", "AfterBatch"];
        string[] expected =
        [
            "BeforeFit", "BeforeEpoch", "BeforeTrain",
            .. Enumerable.Repeat(batch, batches).SelectMany(b => b),
            "AfterTrain", "BeforeValidate", "AfterValidate", "AfterEpoch", "AfterFit",
        ];
        Assert.Equal(expected.SelectMany(e => new[] { $"early {e}", $"late {e}" }), log);
    }

    [Fact]
    public void A_callback_that_zeroes_the_loss_after_AfterLoss_leaves_the_weights_unchanged()
    {
        using var zeroed = TinyLearner.Create(_temp, optimizer: NoDecay);
        var before = TinyLearner.Weights(zeroed);
        zeroed.Callbacks.Add(new ZeroLoss());
        zeroed.FitOneCycle(1, 1e-2);
        Assert.True(SameWeights(before, TinyLearner.Weights(zeroed)));
        Assert.All(zeroed.Recorder.Losses, loss => Assert.Equal(0, loss));

        using var plain = TinyLearner.Create(_temp, optimizer: NoDecay);
        plain.FitOneCycle(1, 1e-2);
        Assert.False(SameWeights(before, TinyLearner.Weights(plain)));
    }

    [Theory]
    [InlineData(TrainingScope.Batch)]
    [InlineData(TrainingScope.Step)]
    public void Cancelling_the_batch_or_the_step_skips_the_optimiser_step(TrainingScope scope)
    {
        using var learner = TinyLearner.Create(_temp);
        var before = TinyLearner.Weights(learner);
        var log = new List<string>();
        learner.Callbacks.Add(new Log(log, "", order: 0));
        learner.Callbacks.Add(new Cancel(scope));

        learner.FitOneCycle(1, 1e-2);

        Assert.True(SameWeights(before, TinyLearner.Weights(learner)));
        Assert.DoesNotContain(" AfterStep", log);
        Assert.Equal(learner.Dls.Train.Count, log.Count(e => e == " AfterBatch"));
        Assert.False(learner.Recorder.Interrupted);
        Assert.Single(learner.Recorder.Epochs);
        // A batch cancelled at its loss is not recorded; one whose step is skipped is.
        Assert.Equal(scope == TrainingScope.Batch ? 0 : learner.Dls.Train.Count, learner.Recorder.Losses.Count);
    }

    [Fact]
    public void Cancelling_the_fit_stops_after_that_batch_runs_AfterFit_and_leaves_the_learner_usable()
    {
        using var learner = TinyLearner.Create(_temp);
        var log = new List<string>();
        learner.Callbacks.Add(new Log(log, "", order: 0));
        var cancel = new CancelFitAtBatch(1);
        learner.Callbacks.Add(cancel);

        learner.FitOneCycle(2, 1e-2);

        Assert.True(learner.Recorder.Interrupted);
        Assert.True(learner.State.FitCancelled);
        Assert.Empty(learner.Recorder.Epochs);
        Assert.Equal(2, learner.Recorder.Losses.Count);
        Assert.Equal(" AfterFit", log[^1]);
        Assert.DoesNotContain(" BeforeValidate", log);

        learner.Callbacks.Remove(cancel);
        learner.FitOneCycle(1, 1e-2);
        Assert.False(learner.Recorder.Interrupted);
        Assert.Single(learner.Recorder.Epochs);
    }

    [Fact]
    public void A_loss_function_and_an_optimiser_given_as_arguments_are_the_ones_training_uses()
    {
        var loss = new CountingLoss();
        CountingOptimizer? made = null;
        using var learner = TinyLearner.Create(_temp, lossFunc: loss, optimizer: groups => made = new CountingOptimizer(new FastAdam(groups)));

        learner.FitOneCycle(1, 1e-2);

        Assert.Same(loss, learner.LossFunc);
        Assert.Same(made, learner.Optimizer);
        Assert.Equal(learner.Dls.Train.Count, loss.Losses);
        Assert.Equal(learner.Dls.Valid.Count, loss.ItemLossCalls);
        Assert.Equal(learner.Dls.Train.Count, made!.Steps);
        Assert.Throws<InvalidOperationException>(() => learner.ClassWeights = [1f, 1f, 1f]);
    }

    [Fact]
    public void Learners_with_the_same_seed_train_alike_whatever_else_draws_from_libtorchs_global_generator()
    {
        Dictionary<string, float[]> Train(long globalSeed)
        {
            using var learner = TinyLearner.Create(_temp, seed: 9);
            // What a test running beside it might do: reseed and draw from the global generator, mid-fit too.
            manual_seed(globalSeed);
            learner.Callbacks.Add(new DrawFromGlobal());
            learner.FitOneCycle(1, 1e-2);
            return TinyLearner.Weights(learner);
        }

        var first = Train(1);
        var second = Train(2);

        Assert.True(SameWeights(first, second));
        using var other = TinyLearner.Create(_temp, seed: 10);
        other.FitOneCycle(1, 1e-2);
        Assert.False(SameWeights(first, TinyLearner.Weights(other)));
    }

    sealed class Log(List<string> log, string name, int order) : ILearnerCallback
    {
        public int Order => order;
        public void BeforeFit(TrainingState state) => log.Add($"{name} BeforeFit");
        public void BeforeEpoch(TrainingState state) => log.Add($"{name} BeforeEpoch");
        public void BeforeTrain(TrainingState state) => log.Add($"{name} BeforeTrain");
        public void BeforeBatch(TrainingState state) => log.Add($"{name} BeforeBatch");
        public void AfterPred(TrainingState state) => log.Add($"{name} AfterPred");
        public void AfterLoss(TrainingState state) => log.Add($"{name} AfterLoss");
        public void AfterBackward(TrainingState state) => log.Add($"{name} AfterBackward");
        public void BeforeStep(TrainingState state) => log.Add($"{name} BeforeStep");
        public void AfterStep(TrainingState state) => log.Add($"{name} AfterStep");
        public void AfterBatch(TrainingState state) => log.Add($"{name} AfterBatch");
        public void AfterTrain(TrainingState state) => log.Add($"{name} AfterTrain");
        public void BeforeValidate(TrainingState state) => log.Add($"{name} BeforeValidate");
        public void AfterValidate(TrainingState state) => log.Add($"{name} AfterValidate");
        public void AfterEpoch(TrainingState state) => log.Add($"{name} AfterEpoch");
        public void AfterFit(TrainingState state) => log.Add($"{name} AfterFit");
    }

    sealed class ZeroLoss : ILearnerCallback
    {
        public void AfterLoss(TrainingState state) => state.Loss = state.Loss! * 0;
    }

    sealed class Cancel(TrainingScope scope) : ILearnerCallback
    {
        public int Order => 5;

        public void AfterLoss(TrainingState state)
        {
            if (scope == TrainingScope.Batch) throw new CancelException(scope);
        }

        public void BeforeStep(TrainingState state)
        {
            if (scope == TrainingScope.Step) throw new CancelException(scope);
        }
    }

    sealed class CancelFitAtBatch(int batch) : ILearnerCallback
    {
        public int Order => 99;

        public void AfterBatch(TrainingState state)
        {
            if (state.Batch == batch) throw new CancelException(TrainingScope.Fit);
        }
    }

    sealed class DrawFromGlobal : ILearnerCallback
    {
        public void BeforeBatch(TrainingState state) => rand(1000).Dispose();
    }

    sealed class CountingLoss : ILossFunction
    {
        readonly CrossEntropyLoss _inner = new();

        public int Losses { get; private set; }

        public int ItemLossCalls { get; private set; }

        public Tensor Loss(Tensor predictions, Tensor targets)
        {
            Losses++;
            return _inner.Loss(predictions, targets);
        }

        public Tensor ItemLosses(Tensor predictions, Tensor targets)
        {
            ItemLossCalls++;
            return _inner.ItemLosses(predictions, targets);
        }
    }

    sealed class CountingOptimizer(FastAdam inner) : IOptimizer
    {
        public int Steps { get; private set; }
        public IReadOnlyList<ParamGroup> Groups => inner.Groups;
        public IReadOnlyList<double> Lrs => inner.Lrs;
        public double Momentum { get => inner.Momentum; set => inner.Momentum = value; }
        public void SetLr(int group, double lr) => inner.SetLr(group, lr);
        public void ZeroGrad() => inner.ZeroGrad();
        public void ClearState() => inner.ClearState();
        public IReadOnlyList<ParameterState?> SaveState() => inner.SaveState();
        public void LoadState(IReadOnlyList<ParameterState?> saved) => inner.LoadState(saved);
        public void Dispose() => inner.Dispose();

        public void Step()
        {
            Steps++;
            inner.Step();
        }
    }
}
