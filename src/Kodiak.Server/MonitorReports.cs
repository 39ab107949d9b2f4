using Kodiak.Monitoring;
using Microsoft.Extensions.Options;

namespace Kodiak.Server;

/// <summary>Reports over the app's prediction log, with the monitor's thresholds and baseline; what the page, the API and the alarm check share.</summary>
internal sealed class MonitorReports(IServiceProvider services, IOptions<KodiakMonitorOptions> options, TimeProvider time)
{
    /// <summary>What the page says when there is nothing to read.</summary>
    public const string NoLog = "Monitoring needs the prediction log: start kodiak serve with --log FILE.db (or a PostgreSQL connection string).";

    /// <summary>The log, or null when none is configured.</summary>
    public IPredictionSource? Source { get; } = services.GetService<IPredictionSource>();

    public KodiakMonitorOptions Options => options.Value;

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// The baseline: the one configured, else the validation set of the model that answers (when a model is served).
    /// The router is looked up only now, so that a monitor without a model never loads one.
    /// </summary>
    public MonitorBaseline? Baseline => Options.Baseline
        ?? (services.GetService<IModelRouter>() is { Models: [var model, ..] } ? MonitorBaseline.FromManifest(model.Predictor.Manifest) : null);

    /// <summary>The report over [<paramref name="from"/>, <paramref name="to"/>), or null without a log.</summary>
    /// <param name="from">The range's first instant.</param>
    /// <param name="to">The first instant left out.</param>
    /// <param name="baseline">A baseline other than <see cref="Baseline"/> (a past window), or null.</param>
    /// <param name="model">One model's rows only, or null.</param>
    /// <param name="cancellation">Stops the reading.</param>
    public async Task<MonitorReport?> ReadAsync(DateTimeOffset from, DateTimeOffset to, MonitorBaseline? baseline, string? model, CancellationToken cancellation)
    {
        if (Source is null)
            return null;
        var report = await MonitorReport.ReadAsync(Source, from, to, Now, baseline ?? Baseline, Thresholds(model), cancellation);
        return services.GetService<IReviewQueue>() is { } queue ? report with { Accuracy = await queue.AccuracyAsync(from, to, model, cancellation) } : report;
    }

    /// <summary>The thresholds, for one model's rows when <paramref name="model"/> is given.</summary>
    public MonitorOptions Thresholds(string? model) => model is null ? Options.Thresholds : Options.Thresholds with { Model = model };
}
