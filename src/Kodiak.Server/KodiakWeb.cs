using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Kodiak.Server;

/// <summary>What Kodiak's web apps (the prediction app and the cleaner) share: address, logging, headers and the embedded page.</summary>
internal static class KodiakWeb
{
    /// <summary>
    /// Builds an app: its options (<paramref name="options"/>, else read from <paramref name="args"/> and
    /// configuration), then its services (<paramref name="add"/>) and its pipeline and endpoints (<paramref name="map"/>).
    /// </summary>
    public static WebApplication Build<TOptions>(string[] args, TOptions? options, Action<WebApplicationBuilder, TOptions> add, Action<WebApplication> map)
        where TOptions : class, new()
    {
        var builder = WebApplication.CreateBuilder(args);
        add(builder, options ?? builder.Configuration.Get<TOptions>() ?? new TOptions());
        var app = builder.Build();
        map(app);
        return app;
    }

    /// <summary>Listens on <see cref="KodiakServer.DefaultUrl"/> unless <c>--urls</c> says otherwise; quiet framework logs; problem details; OpenAPI.</summary>
    public static void UseKodiakDefaults(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls(KodiakServer.DefaultUrl);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Microsoft.Hosting", LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
    }

    /// <summary>
    /// Headers on every answer: no content sniffing, and the page may load only its own scripts and styles (and compile
    /// WebAssembly, which ONNX Runtime Web needs to run a model on the device).
    /// </summary>
    public static void UseSecurityHeaders(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:";
            await next(context);
        });

    /// <summary>Serves the named files of the embedded <c>wwwroot</c> (and no others), the first of them at <c>/</c>.</summary>
    /// <param name="app">The app.</param>
    /// <param name="files">The page's files, its HTML first.</param>
    public static void UsePage(this WebApplication app, params string[] files)
    {
        var page = new PageFiles(new EmbeddedFileProvider(typeof(KodiakWeb).Assembly, "wwwroot"), files);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = page, DefaultFileNames = [files[0]] });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = page });
        app.MapOpenApi();
    }

    /// <summary>Only the named files of a folder, so that each app serves its own page and not the other's.</summary>
    sealed class PageFiles(IFileProvider files, IReadOnlyCollection<string> names) : IFileProvider
    {
        public IFileInfo GetFileInfo(string subpath) =>
            names.Contains(subpath.TrimStart('/')) ? files.GetFileInfo(subpath) : new NotFoundFileInfo(subpath);

        // Only the root folder exists: the default-file middleware looks for it before asking for the page.
        public IDirectoryContents GetDirectoryContents(string subpath) =>
            subpath.Trim('/').Length == 0 ? files.GetDirectoryContents(subpath) : NotFoundDirectoryContents.Singleton;

        public IChangeToken Watch(string filter) => NullChangeToken.Singleton;
    }
}
