using Kodiak.Vision.Plots;

namespace Kodiak.Training.Learn;

/// <summary>fastai's Recorder: every batch's loss and learning rates, and every epoch's row; a callback every learner has.</summary>
public sealed class Recorder : ILearnerCallback
{
    readonly List<double> _losses = [];
    readonly List<double> _smoothLosses = [];
    readonly List<double> _learningRates = [];
    readonly List<EpochResult> _epochs = [];

    /// <summary>Raw training loss of every batch, in order.</summary>
    public IReadOnlyList<double> Losses => _losses;

    /// <summary>The smoothed training loss after every batch, as shown in the table.</summary>
    public IReadOnlyList<double> SmoothLosses => _smoothLosses;

    /// <summary>Learning rate of the last parameter group (the head) at every batch.</summary>
    public IReadOnlyList<double> LearningRates => _learningRates;

    /// <summary>One row per finished epoch.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>Whether the last fit was stopped early (cancelled); the weights are then those of the last finished epoch.</summary>
    public bool Interrupted { get; private set; }

    /// <summary>fastai's order for the recorder: after ordinary callbacks, before keep-best and checkpoints.</summary>
    public int Order => 50;

    /// <summary>
    /// fastai's <c>plot_loss</c>: the training loss of every batch (smoothed as in the table) and the
    /// validation loss at the end of each epoch, against batches processed, as a PNG.
    /// </summary>
    /// <param name="path">The PNG file.</param>
    public void PlotLoss(string path)
    {
        var smoothed = _smoothLosses.Select((loss, i) => ((double)(i + 1), loss)).ToList();
        int batchesPerEpoch = _epochs.Count == 0 ? 0 : _losses.Count / _epochs.Count;
        var valid = _epochs.Select((e, i) => ((double)(i + 1) * batchesPerEpoch, e.ValidLoss)).ToList();
        LinePlot.Save(path, "Loss", "batches processed", "loss", [("train", smoothed), ("valid", valid)]);
    }

    /// <inheritdoc/>
    public void BeforeFit(TrainingState state) => Interrupted = false;

    /// <summary>Records the batch's loss, the smoothed loss and the head's learning rate (not for a batch cancelled before its loss).</summary>
    /// <param name="state">The training state.</param>
    public void AfterBatch(TrainingState state)
    {
        if (state.BatchLoss is not double loss) return;
        _losses.Add(loss);
        _smoothLosses.Add(state.SmoothLoss);
        _learningRates.Add(state.LearningRates[^1]);
    }

    /// <inheritdoc/>
    public void AfterEpoch(TrainingState state) => _epochs.Add(state.Result!);

    /// <inheritdoc/>
    public void AfterFit(TrainingState state) => Interrupted = state.FitCancelled;

    /// <summary>Replaces everything recorded with a checkpoint's history.</summary>
    internal void Load(IEnumerable<double> losses, IEnumerable<double> smoothLosses, IEnumerable<double> learningRates, IEnumerable<EpochResult> epochs)
    {
        _losses.Clear();
        _losses.AddRange(losses);
        _smoothLosses.Clear();
        _smoothLosses.AddRange(smoothLosses);
        _learningRates.Clear();
        _learningRates.AddRange(learningRates);
        _epochs.Clear();
        _epochs.AddRange(epochs);
    }
}
