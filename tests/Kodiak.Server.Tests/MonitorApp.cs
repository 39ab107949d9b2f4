using Kodiak.Monitoring;
using Kodiak.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.Server.Tests;

/// <summary>
/// The monitor alone in a bare app (<c>AddKodiakMonitor</c>, <c>MapKodiakMonitor</c>) on Kestrel, reading a log planted in
/// memory: 200 predictions an hour in the 24 hours before the present hour, in which grizzly's share goes from a third to
/// 80% at <see cref="ShiftAt"/>.
/// </summary>
internal sealed class MonitorApp : IAsyncDisposable
{
    MonitorApp(WebApplication app, InMemoryPredictionSource? log)
    {
        App = app;
        Log = log;
        var url = new UriBuilder(app.Urls.Single());
        if (url.Host is "0.0.0.0" or "[::]")
            url.Host = "127.0.0.1";
        Url = url.Uri;
        Client = new HttpClient { BaseAddress = Url };
    }

    /// <summary>The first hour of the planted day.</summary>
    public static DateTimeOffset DayStart { get; } = new DateTimeOffset(DateTimeOffset.UtcNow.Ticks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero).AddHours(-24);

    /// <summary>Where grizzly's share rises.</summary>
    public static DateTimeOffset ShiftAt => DayStart.AddHours(16);

    public WebApplication App { get; }

    public InMemoryPredictionSource? Log { get; }

    public Uri Url { get; }

    public HttpClient Client { get; }

    internal MonitorAlarmService Alarms => App.Services.GetRequiredService<MonitorAlarmService>();

    /// <summary>The planted day's rows.</summary>
    public static List<LoggedPrediction> PlantedDay() =>
        PlannedTraffic.Rows(DayStart, 24, 200, hour => hour < 16 ? [1 / 3.0, 1 / 3.0, 1 / 3.0] : [0.1, 0.8, 0.1], outOfDomain: _ => 0.04);

    /// <param name="urls">Where to listen: off loopback (0.0.0.0) the token is asked for.</param>
    /// <param name="log">Whether a log is registered.</param>
    /// <param name="configure">More monitor settings (the webhook).</param>
    public static async Task<MonitorApp> StartAsync(string urls = "http://127.0.0.1:0", bool log = true, Action<KodiakMonitorOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        InMemoryPredictionSource? source = null;
        if (log)
        {
            source = new InMemoryPredictionSource("planted");
            source.Add(PlantedDay());
            builder.Services.AddSingleton<IPredictionSource>(source);
        }

        builder.Services.AddKodiakMonitor(monitor =>
        {
            monitor.Baseline = PlannedTraffic.EvenBaseline;
            configure?.Invoke(monitor);
        });
        var app = builder.Build();
        app.MapKodiakMonitor();
        await app.StartAsync();
        return new MonitorApp(app, source);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}
