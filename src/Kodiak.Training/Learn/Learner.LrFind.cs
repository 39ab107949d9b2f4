namespace Kodiak.Training.Learn;

public sealed partial class Learner
{
    /// <summary>
    /// fastai's <c>lr_find</c>: trains with a learning rate growing exponentially from
    /// <paramref name="start"/> to <paramref name="end"/> over <paramref name="iterations"/> batches, stops early
    /// when the smoothed loss passes 4× its best, then restores the weights and the optimiser as they were
    /// (an <see cref="LrFinder"/> on a fit of its own, without the recorder, keep-best and checkpoints).
    /// Trains whatever is trainable now (frozen on a new learner, as in the book).
    /// </summary>
    /// <param name="start">First learning rate.</param>
    /// <param name="end">Learning rate the sweep would reach after <paramref name="iterations"/> batches.</param>
    /// <param name="iterations">Batches in the sweep, at most.</param>
    public LrFinderResult LrFind(double start = 1e-7, double end = 10, int iterations = 100)
    {
        if (!(start > 0) || !(end > start))
            throw new ArgumentOutOfRangeException(nameof(start), $"The sweep needs 0 < start < end, got start {start} and end {end}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 2);
        int batches = TrainBatches();
        var finder = new LrFinder(start, end, iterations);
        (_lossAverage, _lossCount) = (0, 0);
        State.FitCancelled = false;
        // Not a fit of the run: nothing of it is recorded, kept or checkpointed.
        var callbacks = Callbacks.Where(c => c is not (Learn.Recorder or KeepBestCallback or CheckpointCallback)).Append(finder);
        try
        {
            Run((iterations + batches - 1) / batches, batches, 0, "lr_find", callbacks, tracked: false);
        }
        catch
        {
            // A failed sweep (say, a bad image) still leaves the weights and the optimiser as they were.
            finder.AfterFit(State);
            throw;
        }
        return finder.Result;
    }
}
