namespace Kodiak.Training.Learn;

/// <summary>What one epoch achieved: a row of the training table.</summary>
/// <param name="Epoch">Epoch number within its fit, from 0.</param>
/// <param name="Phase"><c>frozen</c> or <c>unfrozen</c> (FineTune's two fits), or <c>fit</c>.</param>
/// <param name="TrainLoss">Smoothed training loss at the end of the epoch.</param>
/// <param name="ValidLoss">Mean validation loss (NaN when the epoch was not validated).</param>
/// <param name="Metrics">Metric values by name, in the learner's order (none when the epoch was not validated).</param>
/// <param name="Seconds">Wall time of the epoch, training and validation.</param>
public sealed record EpochResult(int Epoch, string Phase, double TrainLoss, double ValidLoss, IReadOnlyList<(string Name, double Value)> Metrics, double Seconds);
