using Kodiak.Monitoring;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>
/// The review queue in the serving pipeline: <see cref="AddReviewQueue"/> registers the sink that queues answers (out of
/// domain, below <see cref="ServeOptions.ReviewBelow"/>, or in the <see cref="ServeOptions.ReviewSample"/>) with their image
/// in the prediction log's database; <see cref="MapKodiakReview"/> maps the page at <c>/review</c> and its JSON, both
/// asking for the admin token off loopback (the monitor's: <see cref="KodiakMonitorOptions.Token"/>).
/// </summary>
/// <example><code>
/// builder.Services.AddKodiakServing(o => { o.Model = "bears.kodiak"; o.Log = "predictions.db"; o.ReviewBelow = 0.6; });
/// builder.Services.AddReviewQueue();
/// var app = builder.Build();
/// app.MapKodiakReview();
/// </code></example>
public static class ReviewServing
{
    /// <summary>Registers the review sink, the queue it writes (as <see cref="IReviewQueue"/>) and the admin token.</summary>
    /// <param name="services">The app's services, after <see cref="KodiakServing.AddKodiakServing"/> with <see cref="ServeOptions.Log"/> set.</param>
    public static IServiceCollection AddReviewQueue(this IServiceCollection services)
    {
        services.TryAddSingleton(Random.Shared);
        services.AddSingleton(provider => new ReviewQueueSink(provider.GetRequiredService<IOptions<ServeOptions>>().Value, provider.GetRequiredService<Random>(),
            provider.GetService<PredictionLogSink>()?.Log));
        services.AddSingleton<IPredictionSink>(provider => provider.GetRequiredService<ReviewQueueSink>());
        services.AddSingleton(provider => provider.GetRequiredService<ReviewQueueSink>().Queue);
        AdminTokenMiddleware.TryAddAdminToken(services);
        return services;
    }

    /// <summary>
    /// Maps <c>GET /review</c> (the page), <c>GET /api/review</c> (pending items, paged), <c>GET /api/review/{id}/image</c>
    /// and <c>POST /api/review/{id}</c> (a review).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>The group of them, to add conventions to.</returns>
    public static RouteGroupBuilder MapKodiakReview(this IEndpointRouteBuilder endpoints) => endpoints.MapReviewApi();

    /// <summary>The page's address, with <c>?token=…</c> when it asks for the admin token; call it after the app has started.</summary>
    /// <param name="app">An app with the review queue.</param>
    public static string PageUrl(WebApplication app) => AdminTokenMiddleware.PageUrl(app, "/review");
}
