namespace Kodiak.Training.Learn;

/// <summary>
/// Thrown by a callback to cancel part of a fit, as fastai's <c>CancelBatchException</c>, <c>CancelFitException</c>… do:
/// the learner catches it at its <see cref="Scope"/>, runs that scope's After event, and carries on with what follows.
/// Throw it only where its scope is running (a step from AfterBackward or BeforeStep, a batch from a batch event…).
/// </summary>
/// <param name="scope">What to cancel.</param>
public sealed class CancelException(TrainingScope scope) : Exception($"Cancel the {scope.ToString().ToLowerInvariant()}.")
{
    /// <summary>What to cancel.</summary>
    public TrainingScope Scope { get; } = scope;
}
