using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Kodiak.Server;

/// <summary>The server's instruments, on the meter <see cref="MeterName"/>.</summary>
internal sealed class KodiakMetrics
{
    /// <summary>The meter's name, for OpenTelemetry's <c>AddMeter</c> or <c>dotnet-counters</c>.</summary>
    public const string MeterName = "Kodiak.Server";

    readonly Meter _meter;
    readonly Counter<long> _predictions;
    readonly Counter<long> _outOfDomain;
    readonly Counter<long> _rejected;
    readonly Counter<long> _dropped;
    readonly Histogram<double> _latency;
    readonly Histogram<int> _batchSize;

    public KodiakMetrics(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(MeterName);
        _predictions = meter.CreateCounter<long>("kodiak.predictions", "{prediction}", "Predictions made, by model, role and label.");
        _outOfDomain = meter.CreateCounter<long>("kodiak.predictions.out_of_domain", "{prediction}", "Predictions flagged out of domain, by model and role.");
        _rejected = meter.CreateCounter<long>("kodiak.requests.rejected", "{request}", "Prediction requests answered without a prediction, by reason.");
        _dropped = meter.CreateCounter<long>("kodiak.sink.records_dropped", "{record}", "Prediction records a sink could not take, by sink and reason.");
        _latency = meter.CreateHistogram<double>("kodiak.prediction.duration", "ms", "From admission to prediction, queueing included, by model and role.");
        _batchSize = meter.CreateHistogram<int>("kodiak.batch.size", "{image}", "Images per model run, by model.");
    }

    public void Predicted(string model, ModelRole role, string label, TimeSpan latency, bool? outOfDomain)
    {
        var tags = new TagList { { "model", model }, { "role", RoleTag(role) } };
        _latency.Record(latency.TotalMilliseconds, tags);
        // A model without calibration flags none.
        if (outOfDomain == true)
            _outOfDomain.Add(1, tags);
        tags.Add("label", label);
        _predictions.Add(1, tags);
    }

    /// <summary>
    /// The queue gauges: requests each model's batcher has admitted (uploading, queued or predicting) and records
    /// waiting for each sink. Made once the router exists, which itself needs these metrics.
    /// </summary>
    public void ObserveQueues(IModelRouter router, PredictionSinkWriter sinks)
    {
        _meter.CreateObservableGauge("kodiak.queue.depth",
            () => router.Models.Select(m => new Measurement<int>(m.Batcher.Admitted, new KeyValuePair<string, object?>("model", m.Name))),
            "{request}", "Prediction requests admitted and not answered yet (uploading, queued or predicting), by model.");
        _meter.CreateObservableGauge("kodiak.sink.queue_depth",
            () => sinks.Status.Select(s => new Measurement<int>(s.Queued, new KeyValuePair<string, object?>("sink", s.Name))),
            "{record}", "Prediction records waiting for each sink.");
    }

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dropped(string sink, string reason, int records) =>
        _dropped.Add(records, new KeyValuePair<string, object?>("sink", sink), new KeyValuePair<string, object?>("reason", reason));

    public void BatchRan(string model, int size) => _batchSize.Record(size, new KeyValuePair<string, object?>("model", model));

    /// <summary>Lower-case, as OpenTelemetry's tag values usually are.</summary>
    internal static string RoleTag(ModelRole role) => role switch
    {
        ModelRole.Primary => "primary",
        ModelRole.Canary => "canary",
        _ => "shadow",
    };
}

/// <summary>Why a prediction request got no prediction: the values of the <c>reason</c> tag.</summary>
internal static class RejectReason
{
    public const string Busy = "busy";
    public const string TooLarge = "too_large";
    public const string UnsupportedType = "unsupported_type";
    public const string BadUpload = "bad_upload";
    public const string SlowUpload = "slow_upload";
    public const string BadImage = "bad_image";
    public const string Failed = "failed";
}

/// <summary>Why a sink lost records: the values of the <c>reason</c> tag.</summary>
internal static class DropReason
{
    public const string QueueFull = "queue_full";
    public const string SinkFailed = "sink_failed";
}
