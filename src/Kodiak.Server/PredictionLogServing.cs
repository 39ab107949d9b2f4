using Kodiak.Monitoring;
using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>The prediction log in the serving pipeline: every prediction written to SQLite or PostgreSQL by a prediction sink.</summary>
/// <example><code>
/// builder.Services.AddKodiakServing(o => { o.Model = "bears.kodiak"; o.Log = "predictions.db"; o.LogDays = 30; });
/// builder.Services.AddPredictionLog();
/// </code></example>
public static class PredictionLogServing
{
    /// <summary>
    /// Registers the sink that writes every prediction to <see cref="ServeOptions.Log"/> (keeping <see cref="ServeOptions.LogDays"/>
    /// days, and the images in <see cref="ServeOptions.KeepImages"/>), the <c>/healthz</c> check that says when the log
    /// cannot be written, and the log as the <see cref="IPredictionSource"/> the monitor reads. The log is opened, and its schema created or migrated, when the pipeline is first needed.
    /// </summary>
    /// <param name="services">The app's services, after <see cref="KodiakServing.AddKodiakServing"/>.</param>
    public static IServiceCollection AddPredictionLog(this IServiceCollection services)
    {
        services.AddSingleton(provider => new PredictionLogSink(provider.GetRequiredService<IOptions<ServeOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<PredictionLogSink>>()));
        services.AddSingleton<IPredictionSink>(provider => provider.GetRequiredService<PredictionLogSink>());
        // The monitor page reads the same log.
        services.AddSingleton<IPredictionSource>(provider => provider.GetRequiredService<PredictionLogSink>().Log);
        services.AddHealthChecks().AddCheck<PredictionLogCheck>(PredictionLogSink.SinkName, tags: [ServingHealth.Live]);
        return services;
    }
}
