using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.Server.Tests;

/// <summary>
/// Kodiak's prediction API dropped into a bare app of someone else's (<c>AddKodiakServing</c>, <c>MapKodiakPredict</c>,
/// <c>MapKodiakHealth</c>) on Kestrel at 127.0.0.1, with every measurement of its own <c>Kodiak.Server</c> meter recorded.
/// </summary>
internal sealed class ServingApp : IAsyncDisposable
{
    readonly MeterListener _listener = new();

    ServingApp(WebApplication app)
    {
        App = app;
        Client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        // Only this app's meter: other apps of the same test process have their own meter factory.
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Kodiak.Server" && ReferenceEquals(instrument.Meter.Scope, meters))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>Every measurement so far: instrument name, value and tags.</summary>
    public ConcurrentQueue<Measured> Measurements { get; } = new();

    internal PredictionSinkWriter Sinks => App.Services.GetRequiredService<PredictionSinkWriter>();

    public static async Task<ServingApp> StartAsync(string bundle, Action<IServiceCollection>? services = null, Action<ServeOptions>? options = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        services?.Invoke(builder.Services);
        builder.Services.AddKodiakServing(serve =>
        {
            serve.Model = bundle;
            options?.Invoke(serve);
        });
        var app = builder.Build();
        app.MapKodiakPredict();
        app.MapKodiakHealth();
        map?.Invoke(app);
        await app.StartAsync();
        return new ServingApp(app);
    }

    /// <summary>The sum of <paramref name="instrument"/>'s measurements whose tags include all of <paramref name="tags"/>.</summary>
    public double Sum(string instrument, params (string Key, string Value)[] tags) =>
        Measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Sum(m => m.Value);

    /// <summary>The values of <paramref name="instrument"/>'s measurements, in order.</summary>
    public IEnumerable<double> Values(string instrument) => Measurements.Where(m => m.Instrument == instrument).Select(m => m.Value);

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        Client.Dispose();
        await App.DisposeAsync();
    }

    void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct =>
        Measurements.Enqueue(new Measured(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
            tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString() ?? "")));

    public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, string> Tags);
}
