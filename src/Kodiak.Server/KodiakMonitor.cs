using Kodiak.Monitoring;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Kodiak.Server;

/// <summary>
/// The monitor in any ASP.NET Core app: <see cref="AddKodiakMonitor"/> registers its reports and the periodic alarm check,
/// <see cref="MapKodiakMonitor"/> maps the page at <c>/monitor</c> and its JSON at <c>/api/monitor</c>, both asking for an
/// admin token off loopback. It reads the rows of the <see cref="IPredictionSource"/> registered in the app (the
/// prediction log); without one, the page says that monitoring needs <c>--log</c>.
/// </summary>
/// <example><code>
/// builder.Services.AddSingleton&lt;IPredictionSource&gt;(log);
/// builder.Services.AddKodiakMonitor(o => o.AlertWebhook = new Uri("https://chat.example.com/hooks/bears"));
/// var app = builder.Build();
/// app.MapKodiakMonitor();
/// </code></example>
public static class KodiakMonitor
{
    /// <summary>Registers the monitor's reports, its admin token and the alarm check.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets the window, the thresholds, the baseline and the webhook; checked on start.</param>
    public static IServiceCollection AddKodiakMonitor(this IServiceCollection services, Action<KodiakMonitorOptions>? configure = null)
    {
        services.AddOptions<KodiakMonitorOptions>().Configure(configure ?? (_ => { })).Validate(Valid).ValidateOnStart();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MonitorReports>();
        AdminTokenMiddleware.TryAddAdminToken(services);
        services.TryAddSingleton<MonitorAlarmService>();
        services.AddHostedService(provider => provider.GetRequiredService<MonitorAlarmService>());
        return services;
    }

    /// <summary>Maps <c>GET /monitor</c> (the page) and <c>GET /api/monitor</c> (the report as JSON).</summary>
    /// <param name="endpoints">The app.</param>
    /// <returns>The group of both, to add conventions to.</returns>
    public static RouteGroupBuilder MapKodiakMonitor(this IEndpointRouteBuilder endpoints) => endpoints.MapMonitorApi();

    /// <summary>
    /// The page's address: the first one the app listens on, at <c>/monitor</c>, with <c>?token=…</c> when it asks for its
    /// admin token, and this machine's name for a wildcard host. Call it after the app has started.
    /// </summary>
    /// <param name="app">An app with the monitor.</param>
    public static string PageUrl(WebApplication app) => AdminTokenMiddleware.PageUrl(app, "/monitor");

    static bool Valid(KodiakMonitorOptions options)
    {
        options.Validate();
        return true;
    }
}
