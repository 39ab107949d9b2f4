using Kodiak.Inference;

namespace Kodiak.Server;

/// <summary>
/// Builds the cleaner: a page at <c>/</c> to review a data folder with a trained model (images in order of suspicion,
/// by class and split or by kind of problem) and delete or relabel them, and its JSON API under <c>/api</c>. Every image
/// is scored once, when the app is built; every change goes through <see cref="Kodiak.Cleaning.DataCleaner"/>, so it is
/// journaled and can be undone. Off loopback the page and API ask for an admin token (see <see cref="PageUrl"/>).
/// </summary>
/// <example><code>
/// var app = KodiakCleaner.Build(["--urls", "http://127.0.0.1:5000"], new CleanerOptions { Model = "model.kodiak", Data = "bears" });
/// await app.StartAsync();
/// Console.WriteLine(KodiakCleaner.Describe(app));
/// await app.WaitForShutdownAsync();
/// </code></example>
public static class KodiakCleaner
{
    /// <summary>Loads the model, scores every image of the data folder and builds the app, ready to start.</summary>
    /// <param name="args">ASP.NET Core's command line (<c>--urls</c>, …); without <paramref name="options"/>, also every
    /// <see cref="CleanerOptions"/> property (<c>--model</c>, <c>--data</c>, …).</param>
    /// <param name="options">The model, the data folder and the token; read from <paramref name="args"/> and configuration when null.</param>
    /// <exception cref="ArgumentException">An option is invalid, or no model or data folder is given.</exception>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The data folder does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The model file is not a readable bundle or has no features output, or an image is in a folder that is not one of its classes.
    /// </exception>
    /// <exception cref="Kodiak.Vision.Codecs.ImageDecodeException">An image cannot be read; the message names it.</exception>
    public static WebApplication Build(string[] args, CleanerOptions? options = null) => KodiakWeb.Build(args, options, AddKodiakCleaner, MapKodiakCleaner);

    /// <summary>One line for the terminal: what is cleaned, with what, and the address to open; call it after the app has started.</summary>
    /// <param name="app">An app from <see cref="Build"/>.</param>
    public static string Describe(WebApplication app)
    {
        var session = app.Services.GetRequiredService<CleaningSession>();
        var suspects = session.Current.Suspects;
        string access = app.Services.GetRequiredService<AdminToken>().Required ? " (it listens beyond this machine: the address carries its admin token)" : "";
        return $"Cleaning {session.Cleaner.DataFolder} ({suspects.Images.Count} images: {string.Join(", ", suspects.Classes)}) with {session.Model} at {PageUrl(app)}{access}";
    }

    /// <summary>
    /// The address to open: the first one the app listens on, with <c>?token=…</c> when the page asks for its admin
    /// token, and this machine's name for a wildcard host (0.0.0.0, [::]). Call it after the app has started.
    /// </summary>
    /// <param name="app">An app from <see cref="Build"/>.</param>
    public static string PageUrl(WebApplication app) => AdminTokenMiddleware.PageUrl(app, "/");

    static void AddKodiakCleaner(this WebApplicationBuilder builder, CleanerOptions options)
    {
        options.Validate();
        builder.UseKodiakDefaults();
        var predictor = Predictor.Load(options.Model, new PredictorOptions { IntraOpThreads = options.IntraOpThreads });
        CleaningSession session;
        try
        {
            session = new CleaningSession(predictor, options);
        }
        catch
        {
            predictor.Dispose();
            throw;
        }

        builder.Services.AddSingleton(_ => session);
        builder.Services.AddSingleton(services => new AdminToken(options.Token, () => AdminTokenMiddleware.Addresses(services)));
    }

    static void MapKodiakCleaner(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseAdminToken();
        app.UsePage("cleaner.html", "kodiak.js", "cleaner.js", "app.css", "cleaner.css");
        app.MapCleanerApi();
    }
}
