namespace Kodiak.Bundle;

/// <summary>How a bundled model was trained.</summary>
/// <param name="DataFolder">The data folder, as a full path (bundles from before it was made full may hold it as typed).</param>
/// <param name="Items">Images per split (<c>train</c>, <c>valid</c>) and class.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Metrics">Losses and metrics of the last epoch, by name (e.g. <c>error_rate</c>).</param>
/// <param name="Seconds">Training time.</param>
/// <param name="KodiakVersion">Version of Kodiak that trained and exported the model.</param>
public sealed record TrainingSummary(string DataFolder, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Items, int Epochs,
    IReadOnlyDictionary<string, double> Metrics, double Seconds, string KodiakVersion)
{
    /// <summary>
    /// The validation images, relative to <see cref="DataFolder"/> with '/' separators, so the split the model was
    /// trained with can be found again (e.g. by <c>kodiak clean</c>); null in bundles from before it was recorded.
    /// </summary>
    public IReadOnlyList<string>? ValidItems { get; init; }

    /// <summary>
    /// What the training computed in, <c>fp32</c> or <c>bf16</c> (the exported weights are fp32 either way); null in
    /// bundles from before it was recorded.
    /// </summary>
    public string? Precision { get; init; }
}
