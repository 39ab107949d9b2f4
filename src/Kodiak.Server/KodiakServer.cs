using Kodiak.Inference;
using Kodiak.Vision;

namespace Kodiak.Server;

/// <summary>
/// Builds the Kodiak web app: the page at <c>/</c>, the JSON API under <c>/api</c>, health checks and the OpenAPI
/// document at <c>/openapi/v1.json</c>. Both <c>kodiak serve</c> and <c>dotnet run --project src/Kodiak.Server</c> use it.
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
    public static WebApplication Build(string[] args, ServeOptions? options = null) => KodiakWeb.Build(args, options, AddKodiak, MapKodiak);

    /// <summary>One line for the terminal: what is served and where; call it after the app has started.</summary>
    /// <param name="app">An app from <see cref="Build"/>.</param>
    public static string Describe(WebApplication app)
    {
        var model = app.Services.GetRequiredService<ServedModel>();
        return $"Serving {model.Name} ({string.Join(", ", model.Predictor.Classes)}) from {model.Predictor.Path} at {string.Join(", ", app.Urls)}";
    }

    static void AddKodiak(this WebApplicationBuilder builder, ServeOptions options)
    {
        options.Validate();
        builder.UseKodiakDefaults();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes);

        var predictor = Predictor.Load(options.Model, new PredictorOptions
        {
            BatchSize = options.MaxBatchSize,
            IntraOpThreads = options.IntraOpThreads,
            Decode = new DecodeOptions { MaxPixels = options.MaxImagePixels },
        });
        builder.Services.AddSingleton(_ => new ServedModel(predictor, options));
        builder.Services.AddSingleton(services => new PredictionBatcher(
            services.GetRequiredService<ServedModel>().Predictor.PredictBatch, options.MaxBatchSize, options.MaxBatchWait, options.QueueCapacity));
        builder.Services.AddHostedService(services => services.GetRequiredService<PredictionBatcher>());
    }

    static void MapKodiak(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UsePage("index.html", "kodiak.js", "app.js", "app.css");
        app.MapPredictApi();
    }
}
