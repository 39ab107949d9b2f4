using Kodiak.Training.Optimisation;
namespace Kodiak.Training.Learn;

/// <summary>
/// fastai's <c>LRFinder</c> callback: sets every group's learning rate to <c>start · (end / start)^(i / iterations)</c>
/// before the i-th batch, records it with the smoothed loss, cancels the fit after <c>iterations</c> batches or once the
/// loss passes 4× its best (or is not finite), skips validation, and restores the weights and the optimiser's state when the fit ends.
/// </summary>
/// <param name="start">First learning rate.</param>
/// <param name="end">Learning rate the sweep would reach after <paramref name="iterations"/> batches.</param>
/// <param name="iterations">Batches in the sweep, at most.</param>
public sealed class LrFinder(double start, double end, int iterations) : ILearnerCallback, IDisposable
{
    readonly List<double> _learningRates = new(iterations);
    readonly List<double> _losses = new(iterations);
    double _best = double.PositiveInfinity;
    ModelSnapshot? _weights;
    IReadOnlyList<ParameterState?>? _optimizerState;

    /// <summary>Runs with the recorder's order, after ordinary callbacks.</summary>
    public int Order => 50;

    /// <summary>What was swept so far.</summary>
    public LrFinderResult Result => new(_learningRates, _losses, iterations);

    /// <inheritdoc/>
    public void BeforeFit(TrainingState state)
    {
        Dispose();
        _weights = ModelSnapshot.Of(state.Learner.Model);
        _optimizerState = state.Learner.Optimizer.SaveState();
        // fastai's optimiser default momentum, since no one-cycle schedule drives it here.
        state.Learner.Optimizer.Momentum = 0.9;
    }

    /// <inheritdoc/>
    public void BeforeBatch(TrainingState state)
    {
        double lr = start * Math.Pow(end / start, (double)_learningRates.Count / iterations);
        for (int g = 0; g < state.Learner.Optimizer.Groups.Count; g++) state.Learner.Optimizer.SetLr(g, lr);
    }

    /// <inheritdoc/>
    public void AfterBatch(TrainingState state)
    {
        if (state.BatchLoss is null) return;
        _learningRates.Add(state.LearningRates[^1]);
        _losses.Add(state.SmoothLoss);
        _best = Math.Min(_best, state.SmoothLoss);
        bool diverged = !double.IsFinite(state.SmoothLoss) || state.SmoothLoss > 4 * _best;
        if (diverged || _learningRates.Count == iterations) throw new CancelException(TrainingScope.Fit);
    }

    /// <inheritdoc/>
    public void BeforeValidate(TrainingState state) => throw new CancelException(TrainingScope.Validate);

    /// <inheritdoc/>
    public void AfterFit(TrainingState state)
    {
        _weights?.RestoreTo(state.Learner.Model);
        if (_optimizerState is not null) state.Learner.Optimizer.LoadState(_optimizerState);
        state.Learner.Optimizer.ZeroGrad();
        Dispose();
    }

    /// <summary>Frees the saved weights.</summary>
    public void Dispose()
    {
        _weights?.Dispose();
        _weights = null;
    }
}
