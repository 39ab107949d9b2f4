namespace Kodiak.Monitoring;

/// <summary>Something a person should look at: a class's share, the out-of-domain rate or the confidence moved past its bound.</summary>
/// <param name="Kind">What moved.</param>
/// <param name="Class">The class, for a share alarm; else null.</param>
/// <param name="Started">The start of the bucket where it first moved past its bound.</param>
/// <param name="Ended">The start of the first bucket back within bounds, or null while it lasts.</param>
/// <param name="Value">The value that moved (a share, a rate or a mean confidence) where it started.</param>
/// <param name="Baseline">What it is compared with: the class's baseline share, else the bound.</param>
/// <param name="Bound">The bound it passed.</param>
/// <param name="Count">The predictions it was judged on where it started.</param>
/// <param name="Message">The alarm in plain words.</param>
public sealed record MonitorAlarm(AlarmKind Kind, string? Class, DateTimeOffset Started, DateTimeOffset? Ended, double Value, double Baseline,
    double Bound, int Count, string Message)
{
    /// <summary>What makes an alarm the same alarm across reports: its kind, class and start.</summary>
    public string Key => $"{Kind}/{Class}/{Started.UtcTicks}";
}
