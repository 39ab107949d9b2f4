using Kodiak.Testing.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Kodiak.AspNetCore.Tests;

/// <summary>The sample model served as a consumer's app would (the three lines), on Kestrel at 127.0.0.1 on a free port.</summary>
public sealed class PredictorApp : IAsyncLifetime
{
    /// <summary>The test collection that shares the trained model and the running app.</summary>
    public const string Collection = "predictor app";

    WebApplication? _app;

    public TrainedSampleFixture Sample { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddKodiakPredictor(Sample.Bundle);
        _app = builder.Build();
        _app.MapKodiakPredict("/classify");
        _app.MapHealthChecks("/healthz");
        await _app.StartAsync();
        Client = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
        Sample.Dispose();
    }
}

/// <summary>Test classes marked <c>[Collection(PredictorApp.Collection)]</c> share one <see cref="PredictorApp"/>.</summary>
[CollectionDefinition(PredictorApp.Collection)]
public sealed class PredictorAppCollection : ICollectionFixture<PredictorApp>;
