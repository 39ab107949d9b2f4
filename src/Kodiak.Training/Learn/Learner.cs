using System.Diagnostics;
using Kodiak.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training;

/// <summary>
/// fastai's Learner: a model, its data and how to train it — fastai's Adam over three parameter
/// groups, one-cycle schedules, metrics, a recorder and callbacks.
/// </summary>
public sealed partial class Learner : IDisposable
{
    // fastai smooths the displayed training loss with an exponential moving average (debiased), reset at each fit.
    const double LossSmoothing = 0.98;
    double _lossAverage;
    int _lossCount;

    readonly IReadOnlyList<IReadOnlyList<(string Name, Parameter Parameter)>> _groups;
    readonly FastAdam _optimizer;
    int _dataEpoch;

    static Learner() => TrainingMemory.ApplyDefault();

    /// <summary>Creates a learner; the model is frozen up to its head, as after <see cref="Freeze"/>.</summary>
    /// <param name="dls">Training and validation data.</param>
    /// <param name="model">The model to train.</param>
    /// <param name="metrics">Computed on the validation set after each epoch.</param>
    /// <param name="labelSmoothing">Label smoothing of the cross-entropy loss (0 = none).</param>
    /// <param name="weightDecay">Decoupled weight decay, not applied to BatchNorm parameters.</param>
    public Learner(DataLoaders dls, ClassifierModel model, IReadOnlyList<Metric>? metrics = null, double labelSmoothing = 0, double weightDecay = 0.01)
    {
        Dls = dls;
        Model = model;
        Metrics = metrics ?? [Training.Metrics.ErrorRate];
        LabelSmoothing = labelSmoothing;
        _groups = model.ParameterGroups();
        _optimizer = new FastAdam([.. _groups.Select(g => ParamGroup.Of(g.Select(p => p.Parameter)))], weightDecay: weightDecay);
        Freeze();
    }

    /// <summary>The data.</summary>
    public DataLoaders Dls { get; }

    /// <summary>The model.</summary>
    public ClassifierModel Model { get; }

    /// <summary>Metrics shown after each epoch.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>Label smoothing of the loss.</summary>
    public double LabelSmoothing { get; }

    /// <summary>
    /// Weight of each class in the training loss (validation losses stay unweighted), or null for equal weights;
    /// see <see cref="BalancedClassWeights"/> for unbalanced data.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights
    {
        get => _classWeights;
        set
        {
            if (value is not null && (value.Count != Dls.Vocab.Count || value.Any(w => !(w > 0 && float.IsFinite(w)))))
                throw new ArgumentException($"Expected {Dls.Vocab.Count} positive class weights, one per class, got [{string.Join(", ", value)}].", nameof(value));
            _classWeights = value;
            _classWeightTensor?.Dispose();
            // Made once here rather than at every training step.
            _classWeightTensor = value is null ? null : tensor(value.ToArray()).DetachFromDisposeScope();
        }
    }

    IReadOnlyList<float>? _classWeights;
    Tensor? _classWeightTensor;

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
    /// validation loss, as fastai's <c>SaveModelCallback</c> does; <see cref="KeptEpoch"/> says which.
    /// </summary>
    public bool KeepBest { get; set; }

    /// <summary>The epoch whose weights the last fit kept when <see cref="KeepBest"/> is set (null otherwise).</summary>
    public EpochResult? KeptEpoch { get; private set; }

    /// <summary>Losses, learning rates and epoch rows of everything trained so far.</summary>
    public Recorder Recorder { get; } = new();

    /// <summary>Called during training, in order.</summary>
    public IList<ILearnerCallback> Callbacks { get; } = [];

    /// <summary>When cancelled, training stops after the current batch and restores the weights of the last finished epoch.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>The optimiser's current learning rate of each parameter group.</summary>
    internal IReadOnlyList<double> GroupLearningRates => _optimizer.Lrs;

    /// <summary>The optimiser's moments, parameter by parameter (null where none yet).</summary>
    internal IReadOnlyList<AdamMoments?> OptimizerMoments => _optimizer.SaveState();

    /// <summary>Trains only the head (and every BatchNorm layer, as fastai's <c>train_bn</c>).</summary>
    public void Freeze() => FreezeTo(_groups.Count - 1);

    /// <summary>Trains everything.</summary>
    public void Unfreeze() => FreezeTo(0);

    /// <summary>
    /// Freezes the first <paramref name="groups"/> parameter groups, except their BatchNorm parameters, and
    /// clears the optimiser's moments so the next fit starts afresh, as fastai's <c>freeze_to</c> does.
    /// </summary>
    /// <param name="groups">How many groups, from the input side, to freeze.</param>
    public void FreezeTo(int groups)
    {
        for (int g = 0; g < _groups.Count; g++)
            foreach (var (_, parameter) in _groups[g])
                parameter.requires_grad = g >= groups || ParamGroup.IsBatchNormOrBias(parameter);
        _optimizer.ClearState();
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
        if (Recorder.Interrupted) return;
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
        int batches = Dls.Train.Count;
        if (batches == 0)
            throw new InvalidDataException($"The training set ({Dls.Train.Items.Count} images) is smaller than one batch of {Dls.Train.BatchSize}: lower the batch size.");
        var peaks = lrMax.ForGroups(_groups.Count);
        var schedule = new OneCycleSchedule(epochs * batches, pctStart, div, divFinal, moms);
        Recorder.Interrupted = false;
        (_lossAverage, _lossCount) = (0, 0);
        if (BeginFit() is not int firstEpoch || firstEpoch >= epochs) return;
        foreach (var callback in Callbacks) callback.BeforeFit(phase, epochs, batches);
        var lastGood = Snapshot();
        Dictionary<string, Tensor>? best = null;
        KeptEpoch = null;
        try
        {
            int step = firstEpoch * batches;
            for (int epoch = firstEpoch; epoch < epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                double? trainLoss = TrainEpoch(epoch, schedule, peaks, ref step);
                if (trainLoss is null)
                {
                    Restore(best ?? lastGood);
                    Recorder.Interrupted = true;
                    return;
                }
                var (validLoss, metrics) = Validate();
                var result = new EpochResult(epoch, phase, trainLoss.Value, validLoss, metrics, clock.Elapsed.TotalSeconds);
                Recorder.AddEpoch(result);
                foreach (var callback in Callbacks) callback.AfterEpoch(result);
                EndEpoch(epoch + 1);
                DisposeAll(lastGood);
                lastGood = Snapshot();
                // NaN (no validation set) never counts as better: then the last epoch is kept.
                if (KeepBest && (KeptEpoch is null || validLoss < KeptEpoch.ValidLoss || double.IsNaN(KeptEpoch.ValidLoss)))
                {
                    if (best is not null) DisposeAll(best);
                    best = Snapshot();
                    KeptEpoch = result;
                }
            }
            if (best is not null && KeptEpoch!.Epoch != epochs - 1)
                Restore(best);
        }
        finally
        {
            DisposeAll(lastGood);
            if (best is not null) DisposeAll(best);
        }
    }

    /// <summary>One training epoch; null when cancelled part-way.</summary>
    double? TrainEpoch(int epoch, OneCycleSchedule schedule, double[] peaks, ref int step)
    {
        Model.train();
        int batchIndex = 0;
        try
        {
            foreach (var batch in Dls.Train.Epoch(_dataEpoch++, Cancellation))
            {
                using (batch)
                {
                    for (int g = 0; g < peaks.Length; g++)
                        _optimizer.SetLr(g, schedule.Lr(peaks[g], step));
                    _optimizer.Beta1 = schedule.Momentum(step);
                    double value = TrainStep(batch);
                    Recorder.AddBatch(value, SmoothLoss, _optimizer.Lrs[^1]);
                    foreach (var callback in Callbacks) callback.AfterBatch(epoch, batchIndex++, SmoothLoss);
                    step++;
                }
                if (Cancellation.IsCancellationRequested) return null;
            }
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            return null;
        }
        return SmoothLoss;
    }

    /// <summary>One optimiser step on <paramref name="batch"/> at the optimiser's current rates; returns the batch loss and updates the smoothed loss.</summary>
    double TrainStep(Batch batch)
    {
        using var scope = NewDisposeScope();
        var loss = nn.functional.cross_entropy(Model.forward(batch.Images), batch.Labels, _classWeightTensor, label_smoothing: LabelSmoothing);
        _optimizer.ZeroGrad();
        loss.backward();
        _optimizer.Step();
        double value = loss.item<float>();
        _lossAverage = LossSmoothing * _lossAverage + (1 - LossSmoothing) * value;
        _lossCount++;
        return value;
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
                    var loss = ClassificationInterpretation.ItemLosses(logits, batch.Labels, LabelSmoothing);
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

    Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = no_grad();
        return Model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone().DetachFromDisposeScope());
    }

    void Restore(Dictionary<string, Tensor> snapshot)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in Model.state_dict())
            value.copy_(snapshot[name]);
    }

    static void DisposeAll(Dictionary<string, Tensor> snapshot)
    {
        foreach (var tensor in snapshot.Values) tensor.Dispose();
    }

    /// <summary>Releases the model and the optimiser's state.</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        _classWeightTensor?.Dispose();
        Model.Dispose();
    }
}

/// <summary>fastai's <c>vision_learner</c>: a pretrained body, a new head for the data's classes, and a Learner.</summary>
public static class VisionLearner
{
    /// <summary>Creates a learner for <paramref name="dls"/> on the pretrained <paramref name="arch"/>, frozen up to the head.</summary>
    /// <param name="dls">The data; its vocabulary sets the number of outputs.</param>
    /// <param name="arch">The pretrained architecture.</param>
    /// <param name="metrics">Metrics for the table; error rate by default.</param>
    /// <param name="labelSmoothing">Label smoothing of the loss.</param>
    /// <param name="seed">Seed of the head's initialisation and dropout.</param>
    public static Learner Create(DataLoaders dls, Arch arch, IReadOnlyList<Metric>? metrics = null, double labelSmoothing = 0, ulong seed = 42)
    {
        torch.manual_seed((long)seed);
        return new Learner(dls, new ClassifierModel(arch, dls.Vocab.Count), metrics, labelSmoothing);
    }
}
