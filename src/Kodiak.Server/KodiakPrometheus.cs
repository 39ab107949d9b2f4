using OpenTelemetry.Metrics;

namespace Kodiak.Server;

/// <summary>
/// Prometheus metrics at <c>/metrics</c>: the <c>Kodiak.Server</c> meter (predictions by model, role and label,
/// out-of-domain predictions, latency and batch-size histograms, queue depths, rejected requests, dropped sink records)
/// through OpenTelemetry's Prometheus exporter.
/// </summary>
/// <example><code>
/// builder.Services.AddKodiakServing(o => o.Model = "bears.kodiak").AddKodiakMetrics();
/// var app = builder.Build();
/// app.MapKodiakMetrics();   // GET /metrics
/// </code></example>
public static class KodiakPrometheus
{
    /// <summary>Registers OpenTelemetry metrics for the <c>Kodiak.Server</c> meter with the Prometheus exporter, and the queue gauges.</summary>
    /// <param name="services">The app's services, with <see cref="KodiakServing.AddKodiakServing"/>.</param>
    public static IServiceCollection AddKodiakMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(KodiakMetrics.MeterName).AddPrometheusExporter());
        services.AddHostedService<QueueGauges>();
        return services;
    }

    /// <summary>Maps <c>GET /metrics</c>, the Prometheus text format.</summary>
    /// <param name="endpoints">The app.</param>
    public static IEndpointConventionBuilder MapKodiakMetrics(this IEndpointRouteBuilder endpoints) => endpoints.MapPrometheusScrapingEndpoint();

    /// <summary>Makes the queue gauges once the app starts: they read the router, which is built after the metrics.</summary>
    sealed class QueueGauges(KodiakMetrics metrics, IModelRouter router, PredictionSinkWriter sinks) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            metrics.ObserveQueues(router, sinks);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
