using System.Globalization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kodiak.Server;

/// <summary>The serving health checks and how <c>/healthz</c> and <c>/readyz</c> answer them.</summary>
internal static class ServingHealth
{
    /// <summary>The tag of checks that <c>/healthz</c> (is the process up) runs.</summary>
    public const string Live = "live";

    /// <summary>The tag of checks that <c>/readyz</c> (can it take a request now) runs.</summary>
    public const string Ready = "ready";

    public static HealthCheckOptions Options(string tag) => new() { Predicate = check => check.Tags.Contains(tag), ResponseWriter = WriteAsync };

    /// <summary>The overall status and each check's status, description and data, as JSON.</summary>
    static Task WriteAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new HealthAnswer(report.Status.ToString(), report.Entries.ToDictionary(
            e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description, e.Value.Data))));

    sealed record HealthAnswer(string Status, IReadOnlyDictionary<string, HealthEntry> Checks);

    sealed record HealthEntry(string Status, string? Description, IReadOnlyDictionary<string, object> Data);
}

/// <summary>Ready when the primary model is warmed up and its batcher runs and has room for one more request.</summary>
internal sealed class ModelReadinessCheck(IModelRouter router) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var model = router.Models[0];
        // A model is ready once its warm-up prediction has run (the first real request would otherwise pay for it).
        return Task.FromResult(model.Warm ? model.Batcher.Readiness(model.Name, $"{model.Name} {model.Version} is ready.")
            : HealthCheckResult.Unhealthy($"{model.Name} is warming up."));
    }
}

/// <summary>Degraded (still 200) once a sink has lost records, with each sink's counts: a lost record is never silent.</summary>
internal sealed class PredictionSinkCheck(PredictionSinkWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = writer.Status;
        var data = new Dictionary<string, object>();
        foreach (var sink in status)
        {
            data[$"{sink.Name}.written"] = sink.Written;
            data[$"{sink.Name}.queued"] = sink.Queued;
            data[$"{sink.Name}.queueFull"] = sink.QueueFull;
            data[$"{sink.Name}.failed"] = sink.Failed;
        }

        long dropped = status.Sum(s => s.Dropped);
        return Task.FromResult(dropped == 0
            ? HealthCheckResult.Healthy($"{status.Count} prediction sink(s), no record lost.", data)
            : HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture, $"{dropped} prediction record(s) lost (see each sink's queueFull and failed)."), data: data));
    }
}

/// <summary>Degraded (still 200) while the prediction log cannot be written and its sink retries, naming the error.</summary>
internal sealed class PredictionLogCheck(PredictionLogSink sink, PredictionSinkWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["log"] = sink.Log.Description, ["written"] = sink.Written };
        if (writer.Status.FirstOrDefault(s => s.Name == sink.Name) is { } lane)
            data["queued"] = lane.Queued;
        return Task.FromResult(sink.Failing is { } failure
            ? HealthCheckResult.Degraded(string.Create(CultureInfo.InvariantCulture,
                $"The prediction log {sink.Log.Description} cannot be written since {failure.Since:u}: {failure.Error} Retrying; rows wait in the queue, up to its capacity."), data: data)
            : HealthCheckResult.Healthy($"Writing the prediction log {sink.Log.Description}.", data));
    }
}
