namespace Kodiak.Training.Learn;

/// <summary>
/// fastai's <c>SaveModelCallback</c> kept in memory: each fit ends (or, cancelled, stops) with the weights of its finished
/// epoch with the lowest validation loss. Added by <see cref="Learner.KeepBest"/>.
/// </summary>
public sealed class KeepBestCallback : ILearnerCallback, IDisposable
{
    ModelSnapshot? _best;

    /// <summary>After the recorder and cancellation (which restores the last epoch first), before checkpoints.</summary>
    public int Order => 60;

    /// <summary>The epoch whose weights the last fit kept (null before a fit's first epoch).</summary>
    public EpochResult? Kept { get; private set; }

    /// <inheritdoc/>
    public void BeforeFit(TrainingState state)
    {
        Dispose();
        Kept = null;
    }

    /// <inheritdoc/>
    public void AfterEpoch(TrainingState state)
    {
        var result = state.Result!;
        // NaN (no validation set) never counts as better: then the last epoch is kept.
        if (Kept is not null && !(result.ValidLoss < Kept.ValidLoss) && !double.IsNaN(Kept.ValidLoss)) return;
        Dispose();
        _best = ModelSnapshot.Of(state.Learner.Model);
        Kept = result;
    }

    /// <inheritdoc/>
    public void AfterFit(TrainingState state)
    {
        if (_best is not null && (state.FitCancelled || Kept!.Epoch != state.Epochs - 1))
            _best.RestoreTo(state.Learner.Model);
        Dispose();
    }

    /// <summary>Frees the best epoch's weights.</summary>
    public void Dispose()
    {
        _best?.Dispose();
        _best = null;
    }
}
