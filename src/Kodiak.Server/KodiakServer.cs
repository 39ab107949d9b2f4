using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>
/// Builds the Kodiak web app: the page at <c>/</c>, the JSON API under <c>/api</c>, health checks, the OpenAPI
/// document at <c>/openapi/v1.json</c>, the monitor at <c>/monitor</c>, the rollout at <c>/rollout</c> and Prometheus metrics at <c>/metrics</c>, as
/// <c>kodiak serve</c> serves it. To put the API into an app of your own, use <see cref="KodiakServing"/>,
/// <see cref="KodiakMonitor"/> and <see cref="KodiakPrometheus"/> instead.
/// </summary>
/// <example><code>
/// var app = KodiakServer.Build(["--urls", "http://127.0.0.1:5000"], new ServeOptions { Model = "model.kodiak" });
/// await app.StartAsync();
/// Console.WriteLine(KodiakServer.Describe(app));
/// await app.WaitForShutdownAsync();
/// </code></example>
public static class KodiakServer
{
    /// <summary>Where the app listens when no <c>--urls</c> is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5000";

    /// <summary>Loads the model and builds the app, ready to start.</summary>
    /// <param name="args">ASP.NET Core's command line (<c>--urls</c>, …); without <paramref name="options"/>, also
    /// every <see cref="ServeOptions"/> property (<c>--model</c>, <c>--MaxBatchSize</c>, …).</param>
    /// <param name="options">The model and limits; read from <paramref name="args"/> and configuration when null.</param>
    /// <exception cref="ArgumentException">An option is invalid or no model is given.</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="InvalidDataException">The model file is not a readable bundle.</exception>
    public static WebApplication Build(string[] args, ServeOptions? options = null)
    {
        var app = KodiakWeb.Build(args, options, AddKodiak, MapKodiak);
        try
        {
            // Load the model now, so that an unusable one fails here with its own exception rather than on start.
            app.Services.GetRequiredService<IModelRouter>();
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }

        return app;
    }

    /// <summary>One line for the terminal: what is served and where; call it after the app has started.</summary>
    /// <param name="app">An app from <see cref="Build"/>.</param>
    public static string Describe(WebApplication app)
    {
        var router = app.Services.GetRequiredService<IModelRouter>();
        var model = router.Models[0];
        string candidate = router is RolloutRouter { State.Candidate: { } c } ? $", {c.Model.Predictor.Path} as its {KodiakMetrics.RoleTag(c.Role)}" : "";
        return $"Serving {model.Name} ({string.Join(", ", model.Predictor.Classes)}) from {model.Predictor.Path} ({model.Predictor.Variant}){candidate} at {string.Join(", ", app.Urls)}";
    }

    /// <summary>The rollout page's address, with <c>?token=…</c> when it asks for the admin token; call it after the app has started.</summary>
    /// <param name="app">An app from <see cref="Build"/>.</param>
    public static string RolloutPageUrl(WebApplication app) => AdminTokenMiddleware.PageUrl(app, "/rollout");

    static void AddKodiak(this WebApplicationBuilder builder, ServeOptions options)
    {
        options.Validate();
        builder.UseKodiakDefaults();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

        builder.Services.AddKodiakServing(serve => Copy(options, serve));
        if (options.Log is not null)
            builder.Services.AddPredictionLog();
        if (options.Review)
            builder.Services.AddReviewQueue();
        // Always: a candidate can be loaded while serving (POST /api/admin/candidate).
        builder.Services.AddPredictionSink<RolloutComparison>();
        builder.Services.AddKodiakMetrics();
        builder.Services.AddKodiakMonitor(monitor =>
        {
            monitor.AlertWebhook = options.AlertWebhook;
            monitor.Token = options.AdminToken;
        });
    }

    static void MapKodiak(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UsePage(["index.html", "kodiak.js", "on-device.js", "app.js", "app.css", .. OnDeviceApi.RuntimeFiles]);
        app.MapKodiakPredict();
        app.MapOnDeviceApi();
        app.MapKodiakHealth();
        app.MapKodiakMonitor();
        app.MapRolloutApi();
        app.MapKodiakMetrics();
        if (app.Services.GetRequiredService<IOptions<ServeOptions>>().Value.Review)
            app.MapKodiakReview();
    }

    /// <summary>Every setting of <paramref name="from"/> onto <paramref name="to"/> (the options pattern makes its own instance); by reflection, so a new setting cannot be forgotten.</summary>
    static void Copy(ServeOptions from, ServeOptions to)
    {
        foreach (var property in typeof(ServeOptions).GetProperties())
            property.SetValue(to, property.GetValue(from));
    }
}
