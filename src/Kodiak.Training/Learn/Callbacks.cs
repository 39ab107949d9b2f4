namespace Kodiak.Training;

/// <summary>What one epoch achieved: a row of the training table.</summary>
/// <param name="Epoch">Epoch number within its fit, from 0.</param>
/// <param name="Phase"><c>frozen</c> or <c>unfrozen</c> (FineTune's two fits), or <c>fit</c>.</param>
/// <param name="TrainLoss">Smoothed training loss at the end of the epoch.</param>
/// <param name="ValidLoss">Mean validation loss.</param>
/// <param name="Metrics">Metric values by name, in the learner's order.</param>
/// <param name="Seconds">Wall time of the epoch, training and validation.</param>
public sealed record EpochResult(int Epoch, string Phase, double TrainLoss, double ValidLoss, IReadOnlyList<(string Name, double Value)> Metrics, double Seconds);

/// <summary>Hooks into training (fastai's callbacks), e.g. to draw a progress bar and the table.</summary>
public interface ILearnerCallback
{
    /// <summary>A fit is starting.</summary>
    /// <param name="phase">Its phase name.</param>
    /// <param name="epochs">Epochs in it.</param>
    /// <param name="batchesPerEpoch">Training batches per epoch.</param>
    void BeforeFit(string phase, int epochs, int batchesPerEpoch) { }

    /// <summary>A training batch finished.</summary>
    /// <param name="epoch">Epoch within the fit.</param>
    /// <param name="batch">Batch within the epoch, from 0.</param>
    /// <param name="smoothLoss">The smoothed training loss so far.</param>
    void AfterBatch(int epoch, int batch, double smoothLoss) { }

    /// <summary>An epoch finished, validation included.</summary>
    /// <param name="result">Its row of the table.</param>
    void AfterEpoch(EpochResult result) { }
}
