namespace Kodiak.AspNetCore;

/// <summary>
/// Every place in <see cref="KodiakPredictor"/>'s queue is taken (<see cref="KodiakPredictorOptions.QueueCapacity"/>):
/// the prediction was refused at once rather than queued without bound. Try again later (the endpoint answers 503).
/// </summary>
public sealed class PredictorBusyException(int capacity)
    : Exception($"The Kodiak predictor is busy: all {capacity} places in its queue are taken. Try again shortly.")
{
    /// <summary>Most predictions admitted at once.</summary>
    public int Capacity { get; } = capacity;
}
