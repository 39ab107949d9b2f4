using static TorchSharp.torch;

namespace Kodiak.Training.Learn;

/// <summary>
/// What a fit is doing now, as fastai's Learner attributes (<c>epoch</c>, <c>iter</c>, <c>xb</c>, <c>yb</c>, <c>pred</c>,
/// <c>loss</c>…), for callbacks to read and, where settable, change. The batch tensors live only during their batch's
/// events (the learner frees them afterwards); a tensor a callback assigns is freed with them.
/// </summary>
public sealed class TrainingState
{
    internal TrainingState(Learner learner) => Learner = learner;

    /// <summary>The learner being trained (its model, optimiser, loss function).</summary>
    public Learner Learner { get; }

    /// <summary>Name of the running fit (<c>frozen</c>, <c>unfrozen</c>, <c>fit</c>, <c>lr_find</c>).</summary>
    public string Phase { get; internal set; } = "";

    /// <summary>Epochs in the running fit.</summary>
    public int Epochs { get; internal set; }

    /// <summary>Training batches per epoch.</summary>
    public int Batches { get; internal set; }

    /// <summary>Current epoch within the fit, from 0.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Current training batch within the epoch, from 0.</summary>
    public int Batch { get; internal set; }

    /// <summary>Training batches of this fit before the current one, epochs before a resume included: the schedules' step.</summary>
    public int Iteration { get; internal set; }

    /// <summary>True while training batches run, false while validating.</summary>
    public bool Training { get; internal set; }

    /// <summary>The current batch's images; a callback may replace them in BeforeBatch.</summary>
    public Tensor? Inputs { get; set; }

    /// <summary>The current batch's class indices; a callback may replace them in BeforeBatch.</summary>
    public Tensor? Targets { get; set; }

    /// <summary>The model's logits for <see cref="Inputs"/>, from AfterPred on; a callback may replace them there.</summary>
    public Tensor? Predictions { get; set; }

    /// <summary>The batch's loss, from AfterLoss on; a callback may replace it there (e.g. scaled) to change what is back-propagated.</summary>
    public Tensor? Loss { get; set; }

    /// <summary>The current batch's loss as a number, once AfterLoss is over (null before, or when the batch was cancelled first).</summary>
    public double? BatchLoss { get; internal set; }

    /// <summary>The training loss smoothed as in fastai's table (debiased moving average), NaN before the fit's first batch.</summary>
    public double SmoothLoss { get; internal set; } = double.NaN;

    /// <summary>The optimiser's current learning rate of each parameter group.</summary>
    public IReadOnlyList<double> LearningRates => Learner.Optimizer.Lrs;

    /// <summary>The row of the epoch just finished, in AfterEpoch (null before).</summary>
    public EpochResult? Result { get; internal set; }

    /// <summary>Whether the running (or last) fit was cancelled (<see cref="TrainingScope.Fit"/>).</summary>
    public bool FitCancelled { get; internal set; }

    /// <summary>Forgets the batch tensors once their batch is over.</summary>
    internal void EndBatch() => (Inputs, Targets, Predictions, Loss) = (null, null, null, null);
}
