namespace Kodiak.Training;

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

/// <summary>Saves a checkpoint (<see cref="Learner.SaveCheckpoint"/>) after every finished epoch. Added by <see cref="Learner.CheckpointPath"/>.</summary>
/// <param name="path">The checkpoint file.</param>
public sealed class CheckpointCallback(string path) : ILearnerCallback
{
    /// <summary>The checkpoint file.</summary>
    public string Path { get; } = path;

    /// <summary>After the recorder, so that the checkpoint holds the epoch's row.</summary>
    public int Order => 70;

    /// <inheritdoc/>
    public void AfterEpoch(TrainingState state) => state.Learner.SaveCheckpoint(Path);
}

/// <summary>
/// Stops a fit after the current batch once <see cref="Token"/> is cancelled, and then (or whenever the fit is
/// cancelled) restores the weights of the last finished epoch. Added by <see cref="Learner.Cancellation"/>.
/// </summary>
/// <param name="token">The token to watch.</param>
public sealed class CancellationCallback(CancellationToken token) : ILearnerCallback, IDisposable
{
    ModelSnapshot? _lastGood;

    /// <summary>The token to watch.</summary>
    public CancellationToken Token { get; } = token;

    /// <summary>Before <see cref="KeepBestCallback"/>, which may then restore a better epoch than the last.</summary>
    public int Order => 55;

    /// <inheritdoc/>
    public void BeforeFit(TrainingState state) => Keep(state);

    /// <inheritdoc/>
    public void BeforeEpoch(TrainingState state) => Check();

    /// <inheritdoc/>
    public void BeforeBatch(TrainingState state) => Check();

    // Cancelled during an epoch's last batch: stop before validating it, as after any other batch.
    /// <inheritdoc/>
    public void BeforeValidate(TrainingState state) => Check();

    /// <inheritdoc/>
    public void AfterEpoch(TrainingState state) => Keep(state);

    /// <inheritdoc/>
    public void AfterFit(TrainingState state)
    {
        if (state.FitCancelled) _lastGood?.RestoreTo(state.Learner.Model);
        Dispose();
    }

    /// <summary>Frees the last finished epoch's weights.</summary>
    public void Dispose()
    {
        _lastGood?.Dispose();
        _lastGood = null;
    }

    void Check()
    {
        if (Token.IsCancellationRequested) throw new CancelException(TrainingScope.Fit);
    }

    void Keep(TrainingState state)
    {
        Dispose();
        _lastGood = ModelSnapshot.Of(state.Learner.Model);
    }
}

/// <summary>fastai's <c>ParamScheduler</c> for one-cycle: sets each group's learning rate and the momentum before every training batch.</summary>
/// <param name="schedule">The cycle.</param>
/// <param name="peaks">Peak learning rate of each parameter group.</param>
internal sealed class OneCycleScheduler(OneCycleSchedule schedule, double[] peaks) : ILearnerCallback
{
    public void BeforeBatch(TrainingState state)
    {
        var optimizer = state.Learner.Optimizer;
        for (int g = 0; g < peaks.Length; g++)
            optimizer.SetLr(g, schedule.Lr(peaks[g], state.Iteration));
        optimizer.Momentum = schedule.Momentum(state.Iteration);
    }
}
