using Kodiak.Bundle;

namespace Kodiak.Monitoring;

/// <summary>The share of each class that served predictions are compared with.</summary>
/// <param name="Shares">Each class's expected share (they add up to 1).</param>
/// <param name="Description">Where the shares come from, for people ("the validation set at export: 120 images").</param>
public sealed record MonitorBaseline(IReadOnlyDictionary<string, double> Shares, string Description)
{
    /// <summary>The validation set's class distribution, as recorded at export; null when the bundle recorded no validation images.</summary>
    /// <param name="manifest">The served bundle's manifest.</param>
    public static MonitorBaseline? FromManifest(BundleManifest manifest)
    {
        if (!manifest.Training.Items.TryGetValue("valid", out var valid))
            return null;
        // Classes the model knows but the validation set lacks are expected at share 0; they cannot be judged by a factor.
        var counts = manifest.Classes.ToDictionary(c => c, c => (double)valid.GetValueOrDefault(c));
        return FromCounts(counts, $"the validation set at export ({counts.Values.Sum():0} images)");
    }

    /// <summary>The class distribution of past predictions (a window of the log chosen as normal).</summary>
    /// <param name="rows">The window's rows.</param>
    /// <param name="description">The window, for people ("2026-11-01 to 2026-11-08").</param>
    /// <returns>Null when <paramref name="rows"/> is empty.</returns>
    public static MonitorBaseline? FromRows(IEnumerable<LoggedPrediction> rows, string description)
    {
        var counts = new Dictionary<string, double>();
        foreach (var row in rows)
            counts[row.Label] = counts.GetValueOrDefault(row.Label) + 1;
        return FromCounts(counts, $"{description} ({counts.Values.Sum():0} predictions)");
    }

    /// <summary>The class distribution of the predictions in a past window of a log (one chosen as normal).</summary>
    /// <param name="source">The log.</param>
    /// <param name="from">The window's first instant.</param>
    /// <param name="to">The first instant left out.</param>
    /// <param name="options">Which rows count (<see cref="MonitorOptions.Model"/>, <see cref="MonitorOptions.IncludeShadow"/>); null: the defaults.</param>
    /// <param name="cancellation">Stops the reading.</param>
    /// <returns>Null when the window holds no predictions.</returns>
    public static async Task<MonitorBaseline?> ReadAsync(IPredictionSource source, DateTimeOffset from, DateTimeOffset to, MonitorOptions? options = null,
        CancellationToken cancellation = default)
    {
        options ??= new MonitorOptions();
        var counts = new Dictionary<string, double>();
        await foreach (var row in source.ReadAsync(from, to, cancellation).WithCancellation(cancellation))
        {
            if (options.Counts(row))
                counts[row.Label] = counts.GetValueOrDefault(row.Label) + 1;
        }

        return FromCounts(counts, $"{MonitorTime.Format(from)} to {MonitorTime.Format(to)} ({counts.Values.Sum():0} predictions)");
    }

    static MonitorBaseline? FromCounts(Dictionary<string, double> counts, string description)
    {
        double total = counts.Values.Sum();
        return total > 0 ? new MonitorBaseline(counts.ToDictionary(c => c.Key, c => c.Value / total), description) : null;
    }
}
