namespace Kodiak.Server;

/// <summary>
/// Receives every prediction (a prediction log, monitoring, a review queue). Sinks are fed by a background writer through
/// a bounded queue of their own: a slow sink never slows a prediction; when its queue is full, or it throws, the records
/// it could not take are counted (metric <c>kodiak.sink.records_dropped</c>, <c>/healthz</c>) and logged.
/// Register one with <c>services.AddPredictionSink&lt;TSink&gt;()</c>.
/// </summary>
public interface IPredictionSink
{
    /// <summary>How the sink is named in metrics, logs and <c>/healthz</c>.</summary>
    string Name { get; }

    /// <summary>True when the sink needs <see cref="PredictionRecord.Features"/> (models then also return their pooled features).</summary>
    bool WantsFeatures { get; }

    /// <summary>True when the sink needs <see cref="PredictionRecord.Image"/>, the uploaded bytes (e.g. to keep them); false by default.</summary>
    bool WantsImage => false;

    /// <summary>Takes the records that arrived since the last call, oldest first; a throw counts them as dropped.</summary>
    /// <param name="records">One or more records.</param>
    /// <param name="cancellation">Cancelled when the server stops and the sink's time to drain is over.</param>
    ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation);
}
