using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>How the monitor at <c>/monitor</c> watches the prediction log, and whom it tells.</summary>
public sealed class KodiakMonitorOptions
{
    /// <summary>The span the page shows by default and the alarm check reads, back from now (24 hours).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the log is checked for new alarms (one minute).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Where each new alarm is POSTed as JSON (<c>--alert-webhook URL</c>), or null.</summary>
    public Uri? AlertWebhook { get; set; }

    /// <summary>Thresholds and filters of the reports.</summary>
    public MonitorOptions Thresholds { get; set; } = new();

    /// <summary>What class shares are compared with; null: the served model's validation set, when a model is served.</summary>
    public MonitorBaseline? Baseline { get; set; }

    /// <summary>The admin token asked for off loopback; null: a random one (see <see cref="KodiakMonitor.PageUrl"/>).</summary>
    public string? Token { get; set; }

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Window, TimeSpan.Zero, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckInterval, TimeSpan.FromSeconds(1), nameof(CheckInterval));
        if (AlertWebhook is { } hook && (!hook.IsAbsoluteUri || hook.Scheme is not ("http" or "https")))
            throw new ArgumentException($"The alert webhook must be an http or https address, not '{hook}'.", nameof(AlertWebhook));
        Thresholds.Validate();
    }
}
