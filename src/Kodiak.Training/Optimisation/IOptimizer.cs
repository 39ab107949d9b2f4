using Kodiak.Training.Learn;
namespace Kodiak.Training.Optimisation;

/// <summary>
/// What a <see cref="Learner"/> needs of an optimiser (fastai's <c>Optimizer</c>): parameter groups with a learning rate
/// each and a momentum for the schedules to set, a step, gradients zeroed, and state to save and restore for checkpoints
/// and the LR finder. <see cref="FastAdam"/> is the default.
/// </summary>
public interface IOptimizer : IDisposable
{
    /// <summary>The parameter groups, first (input side) to last (head).</summary>
    IReadOnlyList<ParamGroup> Groups { get; }

    /// <summary>Each group's current learning rate.</summary>
    IReadOnlyList<double> Lrs { get; }

    /// <summary>Sets one group's learning rate.</summary>
    /// <param name="group">Index into <see cref="Groups"/>.</param>
    /// <param name="lr">The learning rate; not negative.</param>
    void SetLr(int group, double lr);

    /// <summary>Momentum, shared by every group (the one-cycle schedule moves it for all groups alike).</summary>
    double Momentum { get; set; }

    /// <summary>Updates every trainable parameter that has a gradient, in place.</summary>
    void Step();

    /// <summary>Zeroes every parameter's gradient.</summary>
    void ZeroGrad();

    /// <summary>Forgets every parameter's state (fastai's <c>clear_state</c>), as freezing and unfreezing do.</summary>
    void ClearState();

    /// <summary>A copy of every parameter's state, in group order (null before its first step).</summary>
    IReadOnlyList<ParameterState?> SaveState();

    /// <summary>Replaces every parameter's state with one of <see cref="SaveState"/>.</summary>
    /// <param name="saved">The saved state, one entry per parameter.</param>
    /// <exception cref="InvalidDataException">It does not fit these parameters.</exception>
    void LoadState(IReadOnlyList<ParameterState?> saved);
}
