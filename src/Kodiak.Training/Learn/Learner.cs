using System.Diagnostics;
using Kodiak.Training.Data;
using Kodiak.Training.Interpret;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using Kodiak.Vision;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DataLoader = Kodiak.Training.Data.DataLoader;
using ParamGroup = Kodiak.Training.Optimisation.ParamGroup;

namespace Kodiak.Training.Learn;

/// <summary>
/// fastai's Learner: a model, its data and how to train it — a loss function, an optimiser over the model's parameter
/// groups (fastai's Adam by default), one-cycle schedules, metrics, and callbacks that watch or change each step
/// (<see cref="ILearnerCallback"/>; the <see cref="Recorder"/> is one).
/// </summary>
public sealed partial class Learner : IDisposable
{
    // fastai smooths the displayed training loss with an exponential moving average (debiased), reset at each fit.
    const double LossSmoothing = 0.98;
    double _lossAverage;
    int _lossCount;

    readonly IReadOnlyList<IReadOnlyList<(string Name, Parameter Parameter)>> _groups;
    int _dataEpoch;

    /// <summary>Creates a learner; the model is frozen up to its head, as after <see cref="Freeze"/>.</summary>
    /// <param name="dls">Training and validation data.</param>
    /// <param name="model">The model to train.</param>
    /// <param name="metrics">Computed on the validation set after each epoch.</param>
    /// <param name="lossFunc">What training minimises; cross-entropy (<see cref="CrossEntropyLoss"/>) by default. The learner disposes it.</param>
    /// <param name="optimizer">Makes the optimiser from the model's parameter groups (fastai's <c>opt_func</c>); <see cref="FastAdam"/> with its defaults otherwise.</param>
    /// <param name="random">
    /// Where the learner's random draws (dropout) come from, instead of libtorch's global generator; the learner owns and
    /// disposes it. Null: a generator seeded with 42.
    /// </param>
    public Learner(DataLoaders dls, ClassifierModel model, IReadOnlyList<Metric>? metrics = null, ILossFunction? lossFunc = null,
        Func<IReadOnlyList<ParamGroup>, IOptimizer>? optimizer = null, Generator? random = null)
    {
        Dls = dls;
        Model = model;
        Metrics = metrics ?? [Learn.Metrics.ErrorRate];
        LossFunc = lossFunc ?? new CrossEntropyLoss();
        Random = random ?? new Generator(42);
        model.Head.Random = Random;
        _groups = model.ParameterGroups();
        Optimizer = (optimizer ?? (groups => new FastAdam(groups)))([.. _groups.Select(g => ParamGroup.Of(g.Select(p => p.Parameter)))]);
        State = new TrainingState(this);
        Callbacks = [Recorder];
        Freeze();
    }

    /// <summary>The data.</summary>
    public DataLoaders Dls { get; }

    /// <summary>The model.</summary>
    public ClassifierModel Model { get; }

    /// <summary>Metrics shown after each epoch.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>What training minimises; its per-item losses are the validation losses.</summary>
    public ILossFunction LossFunc { get; }

    /// <summary>The optimiser over the model's parameter groups (stem and layer1–2, layer3–4, head).</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>The learner's generator: dropout masks (and, from <see cref="VisionLearner.Create"/>, the head's initial weights) come from it.</summary>
    public Generator Random { get; }

    /// <summary>What the running (or last) fit is doing, as its callbacks see it.</summary>
    public TrainingState State { get; }

    /// <summary>
    /// Weight of each class in the training loss (validation losses stay unweighted), or null for equal weights;
    /// see <see cref="BalancedClassWeights"/> for unbalanced data. Only for the default <see cref="CrossEntropyLoss"/>.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights
    {
        get => (LossFunc as CrossEntropyLoss)?.ClassWeights;
        set
        {
            if (LossFunc is not CrossEntropyLoss crossEntropy)
                throw new InvalidOperationException($"Class weights belong to the loss function; this learner's is a {LossFunc.GetType().Name}.");
            if (value is not null && value.Count != Dls.Vocab.Count)
                throw new ArgumentException($"Expected {Dls.Vocab.Count} positive class weights, one per class, got [{string.Join(", ", value)}].", nameof(value));
            crossEntropy.ClassWeights = value;
        }
    }

    /// <summary>
    /// Weights that make every class count as much in the training loss as if the classes were balanced:
    /// <c>images / (classes · images of the class)</c>, from the training split (1 for a class with no images).
    /// </summary>
    public IReadOnlyList<float> BalancedClassWeights()
    {
        var counts = new int[Dls.Vocab.Count];
        foreach (var item in Dls.Train.Items) counts[item.Label]++;
        int total = counts.Sum();
        return [.. counts.Select(c => c == 0 ? 1f : (float)total / (counts.Length * c))];
    }

    /// <summary>
    /// When set, each fit ends (or, cancelled, stops) by restoring the weights of its finished epoch with the lowest
    /// validation loss, as fastai's <c>SaveModelCallback</c> does; <see cref="KeptEpoch"/> says which. Setting it adds
    /// (or removes) a <see cref="KeepBestCallback"/>.
    /// </summary>
    public bool KeepBest
    {
        get => Callbacks.OfType<KeepBestCallback>().Any();
        set
        {
            if (value == KeepBest) return;
            if (value) Callbacks.Add(new KeepBestCallback());
            else RemoveCallbacks<KeepBestCallback>();
        }
    }

    /// <summary>
    /// What training, validation and prediction compute in, and why (fp32 by default); set it to
    /// <c>PrecisionChoice.Of(Precision.Auto)</c> for bf16 where the CPU has it. The weights, the optimiser's state,
    /// the loss, checkpoints and exports stay fp32 either way (see <see cref="Models.Precision.Bf16"/>).
    /// </summary>
    public PrecisionChoice Precision
    {
        get => _precision;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Model.Precision = value.Precision;
            _precision = value;
        }
    }

    PrecisionChoice _precision = new(Models.Precision.Fp32, "the default");

    /// <summary>The epoch whose weights the last fit kept when <see cref="KeepBest"/> is set (null otherwise).</summary>
    public EpochResult? KeptEpoch => Callbacks.OfType<KeepBestCallback>().FirstOrDefault()?.Kept;

    /// <summary>Losses, learning rates and epoch rows of everything trained so far.</summary>
    public Recorder Recorder { get; } = new();

    /// <summary>Called during training, in ascending <see cref="ILearnerCallback.Order"/>; holds the <see cref="Recorder"/> from the start.</summary>
    public IList<ILearnerCallback> Callbacks { get; }

    /// <summary>
    /// When cancelled, training stops after the current batch and restores the weights of the last finished epoch.
    /// Setting it replaces the learner's <see cref="CancellationCallback"/>.
    /// </summary>
    public CancellationToken Cancellation
    {
        get => Callbacks.OfType<CancellationCallback>().FirstOrDefault()?.Token ?? default;
        set
        {
            RemoveCallbacks<CancellationCallback>();
            if (value.CanBeCanceled) Callbacks.Add(new CancellationCallback(value));
        }
    }

    /// <summary>The optimiser's current learning rate of each parameter group.</summary>
    internal IReadOnlyList<double> GroupLearningRates => Optimizer.Lrs;

    /// <summary>The optimiser's state, parameter by parameter (null where none yet).</summary>
    internal IReadOnlyList<ParameterState?> OptimizerMoments => Optimizer.SaveState();

    /// <summary>Trains only the head (and every BatchNorm layer, as fastai's <c>train_bn</c>).</summary>
    public void Freeze() => FreezeTo(_groups.Count - 1);

    /// <summary>Trains everything.</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>
    /// Freezes the first <paramref name="groups"/> parameter groups, except their BatchNorm parameters, and
    /// clears the optimiser's state so the next fit starts afresh, as fastai's <c>freeze_to</c> does.
    /// </summary>
    /// <param name="groups">How many groups, from the input side, to freeze.</param>
    public void FreezeTo(int groups)
    {
        for (int g = 0; g < _groups.Count; g++)
            foreach (var (_, parameter) in _groups[g])
                parameter.requires_grad = g >= groups || ParamGroup.IsBatchNormOrBias(parameter);
        Optimizer.ClearState();
    }

    /// <summary>
    /// fastai's <c>fine_tune</c>: train the head for <paramref name="freezeEpochs"/> at <paramref name="baseLr"/>,
    /// then halve it, unfreeze, and train everything for <paramref name="epochs"/> with discriminative
    /// rates from baseLr/lrMult (first group) to baseLr (head).
    /// </summary>
    /// <param name="epochs">Epochs with everything trainable.</param>
    /// <param name="baseLr">Learning rate of the head.</param>
    /// <param name="freezeEpochs">Epochs with the body frozen first.</param>
    /// <param name="lrMult">Ratio between the head's and the first group's rates.</param>
    /// <param name="pctStart">Warm-up fraction of the unfrozen cycle.</param>
    /// <param name="div">Initial-rate divisor of the unfrozen cycle.</param>
    public void FineTune(int epochs, double baseLr = 2e-3, int freezeEpochs = 1, double lrMult = 100, double pctStart = 0.3, double div = 5)
    {
        Freeze();
        // fastai passes slice(base_lr): the body's BatchNorm layers (all that trains there) get a tenth of the head's rate.
        FitOneCycle(freezeEpochs, LrRange.UpTo(baseLr), pctStart: 0.99, phase: "frozen");
        if (State.FitCancelled) return;
        baseLr /= 2;
        Unfreeze();
        FitOneCycle(epochs, new LrRange(baseLr / lrMult, baseLr), pctStart, div, phase: "unfrozen");
    }

    /// <summary>fastai's <c>fit_one_cycle</c>: cosine warm-up to <paramref name="lrMax"/> and annealing, momentum the other way.</summary>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="lrMax">Peak learning rate: one value for every group, or a range spread across the groups.</param>
    /// <param name="pctStart">Fraction of steps spent warming up.</param>
    /// <param name="div">Start rate = lrMax / div.</param>
    /// <param name="divFinal">Final rate = lrMax / divFinal.</param>
    /// <param name="moms">Momentum at the start, peak and end.</param>
    /// <param name="phase">Name of this fit in the recorder and the table.</param>
    public void FitOneCycle(int epochs, LrRange lrMax, double pctStart = 0.25, double div = 25, double divFinal = 1e5,
        (double Start, double Middle, double End)? moms = null, string phase = "fit")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        if (epochs == 0) return;
        var schedule = new OneCycleSchedule(epochs * TrainBatches(), pctStart, div, divFinal, moms);
        Fit(epochs, lrMax, phase, [new OneCycleScheduler(schedule, lrMax.ForGroups(_groups.Count))]);
    }

    /// <summary>
    /// fastai's <c>fit</c>: trains for <paramref name="epochs"/> at constant learning rates (unless a callback sets them),
    /// with the learner's callbacks and <paramref name="callbacks"/>, which take part in this fit only.
    /// </summary>
    /// <param name="epochs">Epochs to train.</param>
    /// <param name="lr">Learning rate: one value for every group, or a range spread across the groups.</param>
    /// <param name="phase">Name of this fit in the recorder and the table.</param>
    /// <param name="callbacks">Callbacks for this fit only (fastai's <c>cbs</c> argument).</param>
    public void Fit(int epochs, LrRange lr, string phase = "fit", IEnumerable<ILearnerCallback>? callbacks = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epochs);
        if (epochs == 0) return;
        int batches = TrainBatches();
        State.FitCancelled = false;
        (_lossAverage, _lossCount) = (0, 0);
        if (BeginFit() is not int firstEpoch || firstEpoch >= epochs) return;
        var peaks = lr.ForGroups(_groups.Count);
        for (int g = 0; g < peaks.Length; g++) Optimizer.SetLr(g, peaks[g]);
        Run(epochs, batches, firstEpoch, phase, [.. Callbacks, .. callbacks ?? []], tracked: true);
    }

    int TrainBatches() => Dls.Train.Count > 0 ? Dls.Train.Count
        : throw new InvalidDataException($"The training set ({Dls.Train.Items.Count} images) is smaller than one batch of {Dls.Train.BatchSize}: lower the batch size.");

    /// <summary>
    /// The loop of every fit (fastai's <c>_do_fit</c>, <c>_do_epoch</c>, <c>_do_one_batch</c>), firing the events;
    /// <paramref name="tracked"/> fits count in the checkpoint's position.
    /// </summary>
    void Run(int epochs, int batches, int firstEpoch, string phase, IEnumerable<ILearnerCallback> callbacks, bool tracked)
    {
        var cbs = callbacks.OrderBy(c => c.Order).ToList();
        void Fire(Action<ILearnerCallback, TrainingState> e)
        {
            foreach (var callback in cbs) e(callback, State);
        }

        (State.Phase, State.Epochs, State.Batches, State.Iteration, State.Result) = (phase, epochs, batches, firstEpoch * batches, null);
        State.SmoothLoss = SmoothLoss;
        try
        {
            Fire((c, s) => c.BeforeFit(s));
            for (int epoch = firstEpoch; epoch < epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                State.Epoch = epoch;
                double validLoss = double.NaN;
                IReadOnlyList<(string Name, double Value)> metrics = [];
                try
                {
                    Fire((c, s) => c.BeforeEpoch(s));
                    try
                    {
                        Model.train();
                        State.Training = true;
                        Fire((c, s) => c.BeforeTrain(s));
                        TrainEpoch(Fire);
                    }
                    catch (CancelException e) when (e.Scope == TrainingScope.Train) { }
                    Fire((c, s) => c.AfterTrain(s));
                    try
                    {
                        Model.eval();
                        State.Training = false;
                        Fire((c, s) => c.BeforeValidate(s));
                        (validLoss, metrics) = Validate();
                    }
                    catch (CancelException e) when (e.Scope == TrainingScope.Validate) { }
                    Fire((c, s) => c.AfterValidate(s));
                }
                catch (CancelException e) when (e.Scope == TrainingScope.Epoch) { }
                State.Result = new EpochResult(epoch, phase, SmoothLoss, validLoss, metrics, clock.Elapsed.TotalSeconds);
                if (tracked) _position = (_position.Fit, epoch + 1);
                Fire((c, s) => c.AfterEpoch(s));
            }
        }
        catch (CancelException e) when (e.Scope == TrainingScope.Fit)
        {
            State.FitCancelled = true;
        }
        Fire((c, s) => c.AfterFit(s));
    }

    /// <summary>The training batches of one epoch.</summary>
    void TrainEpoch(Action<Action<ILearnerCallback, TrainingState>> fire)
    {
        State.Batch = 0;
        using var batches = Dls.Train.Epoch(_dataEpoch++, Cancellation).GetEnumerator();
        while (NextBatch(batches))
        {
            using (var batch = batches.Current)
            using (NewDisposeScope())
            {
                (State.Inputs, State.Targets, State.BatchLoss) = (batch.Images, batch.Labels, null);
                try
                {
                    fire((c, s) => c.BeforeBatch(s));
                    State.Predictions = Model.forward(State.Inputs);
                    fire((c, s) => c.AfterPred(s));
                    State.Loss = LossFunc.Loss(State.Predictions, State.Targets!);
                    fire((c, s) => c.AfterLoss(s));
                    var loss = State.Loss ?? throw new InvalidOperationException("A callback cleared the loss; cancel the batch instead.");
                    State.BatchLoss = loss.item<float>();
                    _lossAverage = LossSmoothing * _lossAverage + (1 - LossSmoothing) * State.BatchLoss.Value;
                    _lossCount++;
                    State.SmoothLoss = SmoothLoss;
                    Optimizer.ZeroGrad();
                    loss.backward();
                    try
                    {
                        fire((c, s) => c.AfterBackward(s));
                        fire((c, s) => c.BeforeStep(s));
                        Optimizer.Step();
                        fire((c, s) => c.AfterStep(s));
                    }
                    catch (CancelException e) when (e.Scope == TrainingScope.Step) { }
                }
                catch (CancelException e) when (e.Scope == TrainingScope.Batch) { }
                fire((c, s) => c.AfterBatch(s));
                State.EndBatch();
                State.Iteration++;
                State.Batch++;
            }
        }
    }

    // The loader gives up waiting for a batch once the token is cancelled: that ends the fit as a cancellation.
    bool NextBatch(IEnumerator<Batch> batches)
    {
        try
        {
            return batches.MoveNext();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new CancelException(TrainingScope.Fit);
        }
    }

    double SmoothLoss => _lossCount == 0 ? double.NaN : _lossAverage / (1 - Math.Pow(LossSmoothing, _lossCount));

    (double Loss, IReadOnlyList<(string Name, double Value)> Metrics) Validate()
    {
        var predictions = GetPreds(Dls.Valid);
        double loss = predictions.Losses.Count == 0 ? double.NaN : predictions.Losses.Average();
        return (loss, [.. Metrics.Select(m => (m.Name, m.Compute(predictions.Predictions, predictions.Targets)))]);
    }

    /// <summary>
    /// Probabilities, predictions, targets and per-item losses for every item of <paramref name="loader"/>
    /// (validation by default), in order, ready to interpret (fastai's <c>get_preds</c> and <c>from_learner</c>).
    /// </summary>
    /// <param name="loader">Which data; must not be a training loader (it would be shuffled and augmented).</param>
    public ClassificationInterpretation GetPreds(DataLoader? loader = null) => Predict(loader ?? Dls.Valid, epoch: 0);

    /// <summary>
    /// fastai's <c>tta</c>: predictions averaged over <paramref name="n"/> augmented views of every item (the training
    /// item and batch transforms, drawn afresh for each view), then blended with the plain prediction:
    /// <c>p = (1 - beta) · mean(augmented) + beta · plain</c>. Costs n + 1 forward passes per image.
    /// Per-item losses are the negative log of the blended probability of the target.
    /// </summary>
    /// <param name="loader">Which data (validation by default); must not be a training loader.</param>
    /// <param name="n">Augmented views per item, at least 1.</param>
    /// <param name="beta">Weight of the plain prediction, in [0, 1].</param>
    public ClassificationInterpretation Tta(DataLoader? loader = null, int n = 4, double beta = 0.25)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (!(beta >= 0 && beta <= 1)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must lie in [0, 1].");
        loader ??= Dls.Valid;
        var plain = Predict(loader, epoch: 0);
        var augmented = loader.WithAugmentation();
        var views = Enumerable.Range(0, n).Select(view => Predict(augmented, view)).ToList();
        int classes = Dls.Vocab.Count;
        var blended = new float[plain.Targets.Count][];
        var losses = new float[blended.Length];
        for (int i = 0; i < blended.Length; i++)
        {
            blended[i] = new float[classes];
            for (int c = 0; c < classes; c++)
                blended[i][c] = (float)((1 - beta) * views.Average(v => v.Probability(i, c)) + beta * plain.Probability(i, c));
            losses[i] = (float)CrossEntropy.FromProbability(blended[i][plain.Targets[i]]);
        }
        return new ClassificationInterpretation(Dls.Vocab, blended, [.. plain.Targets], losses, plain.Paths);
    }

    ClassificationInterpretation Predict(DataLoader loader, int epoch)
    {
        Model.eval();
        var probabilities = new List<float[]>();
        var targets = new List<int>();
        var losses = new List<float>();
        var paths = new List<string>();
        using (no_grad())
            // Not cancellable: after a stopped fit, the caller still needs predictions to report on what it kept.
            foreach (var batch in loader.Epoch(epoch))
                using (batch)
                using (NewDisposeScope())
                {
                    var logits = Model.forward(batch.Images);
                    var loss = LossFunc.ItemLosses(logits, batch.Labels);
                    var probs = nn.functional.softmax(logits, 1).data<float>().ToArray();
                    int classes = (int)logits.shape[1];
                    for (int i = 0; i < batch.Paths.Count; i++)
                        probabilities.Add(probs[(i * classes)..((i + 1) * classes)]);
                    targets.AddRange(batch.Labels.data<long>().ToArray().Select(t => (int)t));
                    losses.AddRange(loss.data<float>().ToArray());
                    paths.AddRange(batch.Paths);
                }
        return new ClassificationInterpretation(Dls.Vocab, [.. probabilities], [.. targets], [.. losses], paths);
    }

    /// <summary>fastai's <c>ClassificationInterpretation.from_learner</c>: confusion matrix, top losses and per-class scores on the validation set.</summary>
    public ClassificationInterpretation Interpret() => GetPreds();

    void RemoveCallbacks<T>() where T : ILearnerCallback
    {
        foreach (var callback in Callbacks.OfType<T>().ToList())
        {
            Callbacks.Remove(callback);
            (callback as IDisposable)?.Dispose();
        }
    }

    /// <summary>Releases the model, the optimiser's state, the loss function, the generator and the callbacks the learner added.</summary>
    public void Dispose()
    {
        RemoveCallbacks<KeepBestCallback>();
        RemoveCallbacks<CancellationCallback>();
        Optimizer.Dispose();
        (LossFunc as IDisposable)?.Dispose();
        Model.Dispose();
        Random.Dispose();
    }
}
