namespace Kodiak.Training.Learn;

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
