using static TorchSharp.torch;

namespace Kodiak.Training;

public sealed partial class Learner
{
    /// <summary>
    /// fastai's <c>lr_find</c>: trains with a learning rate growing exponentially from
    /// <paramref name="start"/> to <paramref name="end"/> over <paramref name="iterations"/> batches, stops early
    /// when the smoothed loss passes 4× its best, then restores the weights and the optimiser as they were.
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
        var weights = Snapshot();
        var moments = _optimizer.SaveState();
        var learningRates = new List<double>(iterations);
        var losses = new List<double>(iterations);
        (_lossAverage, _lossCount) = (0, 0);
        // fastai's optimiser default momentum, since no one-cycle schedule drives it here.
        _optimizer.Beta1 = 0.9;
        try
        {
            Model.train();
            double best = double.PositiveInfinity;
            while (learningRates.Count < iterations && !Cancellation.IsCancellationRequested)
            {
                if (Dls.Train.Count == 0)
                    throw new InvalidDataException($"The training set ({Dls.Train.Items.Count} images) is smaller than one batch of {Dls.Train.BatchSize}: lower the batch size.");
                bool diverged = false;
                foreach (var batch in Dls.Train.Epoch(_dataEpoch++, Cancellation))
                    using (batch)
                    {
                        double lr = start * Math.Pow(end / start, (double)learningRates.Count / iterations);
                        for (int g = 0; g < _groups.Count; g++) _optimizer.SetLr(g, lr);
                        TrainStep(batch);
                        learningRates.Add(lr);
                        losses.Add(SmoothLoss);
                        best = Math.Min(best, SmoothLoss);
                        diverged = !double.IsFinite(SmoothLoss) || SmoothLoss > 4 * best;
                        if (diverged || learningRates.Count == iterations || Cancellation.IsCancellationRequested) break;
                    }
                if (diverged) break;
            }
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            // Stopped by the user: suggest from what was swept so far.
        }
        finally
        {
            Restore(weights);
            DisposeAll(weights);
            _optimizer.LoadState(moments);
            _optimizer.ZeroGrad();
        }
        return new LrFinderResult(learningRates, losses, iterations);
    }
}
