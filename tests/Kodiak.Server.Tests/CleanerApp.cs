using Kodiak.Testing;
using Microsoft.AspNetCore.Builder;

namespace Kodiak.Server.Tests;

/// <summary>The cleaner on its own <see cref="PlantedData"/> folder, on Kestrel at a free port.</summary>
public sealed class CleanerApp : IAsyncDisposable
{
    CleanerApp(PlantedData data, WebApplication app)
    {
        Data = data;
        App = app;
        // A wildcard address is reached through loopback.
        var url = new UriBuilder(app.Urls.Single());
        if (url.Host is "0.0.0.0" or "[::]")
            url.Host = "127.0.0.1";
        Url = url.Uri;
        Client = new HttpClient { BaseAddress = Url };
    }

    public PlantedData Data { get; }

    public WebApplication App { get; }

    /// <summary>Where to reach it.</summary>
    public Uri Url { get; }

    public HttpClient Client { get; }

    /// <summary>Scores a new planted folder and starts the cleaner on <paramref name="urls"/>.</summary>
    public static async Task<CleanerApp> StartAsync(string urls = "http://127.0.0.1:0", string? token = null)
    {
        var data = new PlantedData();
        try
        {
            var app = KodiakCleaner.Build(["--urls", urls], new CleanerOptions { Model = data.Bundle, Data = data.Data, Token = token });
            await app.StartAsync();
            return new CleanerApp(data, app);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        Data.Dispose();
    }
}
