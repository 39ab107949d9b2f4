using Kodiak.AspNetCore;
using Kodiak.Testing.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.Server.Tests;

/// <summary>The app serving a model trained on the bundled sample, on Kestrel at 127.0.0.1 on a free port.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    /// <summary>The test collection that shares the trained model and the running app.</summary>
    public const string Collection = "served sample";

    WebApplication? _app;

    public TrainedSampleFixture Sample { get; } = new();

    public Uri Url { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    internal PredictionBatcher Batcher => _app!.Services.GetRequiredService<IModelRouter>().Models[0].Batcher;

    public async Task InitializeAsync()
    {
        _app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions { Model = Sample.Bundle });
        await _app.StartAsync();
        Url = new Uri(_app.Urls.Single());
        Client = new HttpClient { BaseAddress = Url };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
            await _app.DisposeAsync();
        Sample.Dispose();
    }
}

/// <summary>Test classes marked <c>[Collection(ServerFixture.Collection)]</c> share one <see cref="ServerFixture"/>.</summary>
[CollectionDefinition(ServerFixture.Collection)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;
