using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kodiak.AspNetCore;

/// <summary>Registers <see cref="KodiakPredictor"/> in an app's services.</summary>
/// <example><code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.Services.AddKodiakPredictor("model.kodiak");
/// var app = builder.Build();
/// app.MapKodiakPredict("/classify");
/// app.Run();
/// </code></example>
public static class KodiakPredictorServices
{
    /// <summary>The name of the health check <see cref="AddKodiakPredictor(IServiceCollection, Action{KodiakPredictorOptions})"/> adds.</summary>
    public const string HealthCheckName = "kodiak-model";

    /// <summary>Registers the predictor of the bundle at <paramref name="model"/>, with the default batching.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="model">Path of the <c>.kodiak</c> bundle.</param>
    public static IServiceCollection AddKodiakPredictor(this IServiceCollection services, string model) =>
        services.AddKodiakPredictor(o => o.Model = model);

    /// <summary>
    /// Registers <see cref="KodiakPredictor"/> (a singleton, loaded and started with the app: a missing or corrupt bundle
    /// stops the start with an error naming the file), its options (checked on start), the health check
    /// <see cref="HealthCheckName"/> (healthy while it can take a prediction) and its meter.
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets <see cref="KodiakPredictorOptions.Model"/> and any limits; bound configuration works too (<c>services.Configure&lt;KodiakPredictorOptions&gt;(section)</c>).</param>
    public static IServiceCollection AddKodiakPredictor(this IServiceCollection services, Action<KodiakPredictorOptions> configure)
    {
        services.AddOptions<KodiakPredictorOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KodiakPredictorOptions>, OptionsValidation>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(provider => KodiakPredictor.Load(provider.GetRequiredService<IOptions<KodiakPredictorOptions>>().Value,
            provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), provider.GetRequiredService<ILogger<KodiakPredictor>>()));
        services.AddHostedService<BatcherHost>();
        services.AddHealthChecks().AddCheck<ReadinessCheck>(HealthCheckName);
        return services;
    }

    sealed class OptionsValidation : IValidateOptions<KodiakPredictorOptions>
    {
        public ValidateOptionsResult Validate(string? name, KodiakPredictorOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    /// <summary>Loads the model when the app starts (so a bad bundle fails the start) and runs its batcher while it runs.</summary>
    sealed class BatcherHost(KodiakPredictor predictor) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => predictor.Batcher.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => predictor.Batcher.StopAsync(cancellationToken);
    }

    sealed class ReadinessCheck(KodiakPredictor predictor) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            string name = Path.GetFileName(predictor.ModelPath);
            return Task.FromResult(predictor.Batcher.Readiness(name, $"{name} is ready."));
        }
    }
}
