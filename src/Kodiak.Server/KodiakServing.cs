using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>
/// Kodiak's prediction service in any ASP.NET Core app: <see cref="AddKodiakServing"/> registers the pipeline (router,
/// one micro-batcher per model, sink writer, metrics on the meter <c>Kodiak.Server</c>, health checks),
/// <see cref="MapKodiakPredict"/> and <see cref="MapKodiakHealth"/> map its endpoints.
/// </summary>
/// <example><code>
/// var builder = WebApplication.CreateBuilder(args);
/// builder.Services.AddKodiakServing(o => o.Model = "bears.kodiak");
/// builder.Services.AddPredictionSink&lt;MyPredictionLog&gt;();   // optional
/// var app = builder.Build();
/// app.MapKodiakPredict();                                     // POST /api/predict, GET /api/model
/// app.MapKodiakHealth();                                      // GET /healthz, GET /readyz
/// app.Run();
/// </code></example>
public static class KodiakServing
{
    /// <summary>
    /// Registers the prediction pipeline. The model is loaded when the app first needs it (at the latest when it starts);
    /// a custom <see cref="IModelRouter"/> registered before this call replaces the rollout router (the primary, and a candidate given or loaded later).
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets <see cref="ServeOptions.Model"/> and any limits; checked by <see cref="ServeOptions.Validate"/> on start.</param>
    public static IServiceCollection AddKodiakServing(this IServiceCollection services, Action<ServeOptions> configure)
    {
        services.AddOptions<ServeOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServeOptions>, ServeOptionsValidation>());
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KodiakMetrics>();
        services.TryAddSingleton(provider => new PredictionSinkWriter(provider.GetServices<IPredictionSink>(),
            Options(provider).SinkQueueCapacity, Options(provider).LogBeforeAnswer, provider.GetRequiredService<KodiakMetrics>(),
            provider.GetRequiredService<ILogger<PredictionSinkWriter>>()));
        services.TryAddSingleton<IModelRouter>(provider => RolloutRouter.Load(Options(provider),
            provider.GetRequiredService<PredictionSinkWriter>().WantsFeatures, provider.GetRequiredService<KodiakMetrics>(),
            provider.GetRequiredService<ILogger<RolloutRouter>>()));
        services.TryAddSingleton<PredictionPipeline>();
        // Started in this order and stopped in reverse: the batchers stop (finishing their predictions) before the sinks drain.
        services.AddHostedService(provider => provider.GetRequiredService<PredictionSinkWriter>());
        services.AddHostedService<BatcherHost>();
        services.AddHealthChecks()
            .AddCheck<PredictionSinkCheck>("prediction-sinks", tags: [ServingHealth.Live])
            .AddCheck<ModelReadinessCheck>("model", tags: [ServingHealth.Ready]);
        return services;
    }

    /// <summary>
    /// Registers a sink that receives every prediction record through its own bounded queue (see <see cref="IPredictionSink"/>);
    /// none is registered by default.
    /// </summary>
    /// <typeparam name="TSink">The sink, made once by the container.</typeparam>
    /// <param name="services">The app's services.</param>
    public static IServiceCollection AddPredictionSink<TSink>(this IServiceCollection services) where TSink : class, IPredictionSink
    {
        services.AddSingleton<IPredictionSink, TSink>();
        return services;
    }

    /// <summary>Maps <c>POST /api/predict</c> and <c>GET /api/model</c>, described in the OpenAPI document when the app has one.</summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>The <c>/api</c> group, to add conventions (authorization, rate limits) to both.</returns>
    public static RouteGroupBuilder MapKodiakPredict(this IEndpointRouteBuilder endpoints) => endpoints.MapPredictApi();

    /// <summary>
    /// Maps <c>GET /healthz</c> (200 while the process is up; its JSON says how many prediction records each sink has
    /// lost, and is Degraded once one has) and <c>GET /readyz</c> (200 when the model can take a request now, else 503).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    public static IEndpointRouteBuilder MapKodiakHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", ServingHealth.Options(ServingHealth.Live));
        endpoints.MapHealthChecks("/readyz", ServingHealth.Options(ServingHealth.Ready));
        return endpoints;
    }

    static ServeOptions Options(IServiceProvider provider) => provider.GetRequiredService<IOptions<ServeOptions>>().Value;

    /// <summary>The options' own checks, reported the options way (an <see cref="OptionsValidationException"/> naming the setting).</summary>
    sealed class ServeOptionsValidation : IValidateOptions<ServeOptions>
    {
        public ValidateOptionsResult Validate(string? name, ServeOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }

    /// <summary>Starts (and warms up) and stops the micro-batcher of every model the router serves.</summary>
    sealed class BatcherHost(IModelRouter router) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var model in router.Models)
            {
                await model.Batcher.StartAsync(cancellationToken);
                model.WarmUp();
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) =>
            Task.WhenAll(router.Models.Select(m => m.Batcher.StopAsync(cancellationToken)));
    }
}
