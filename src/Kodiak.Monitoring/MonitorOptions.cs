namespace Kodiak.Monitoring;

/// <summary>What a <see cref="MonitorReport"/> covers and when it raises an alarm.</summary>
public sealed record MonitorOptions
{
    /// <summary>Only this model's rows (its name), or null for every model.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Whether shadow predictions count (false): a shadow model predicts requests that another model answered, so
    /// counting both would count those requests twice.
    /// </summary>
    public bool IncludeShadow { get; init; }

    /// <summary>A class's share alarms when it is this many times its baseline share, or that many times less (2: doubles or halves).</summary>
    public double ShareFactor { get; init; } = 2;

    /// <summary>
    /// Fewest predictions an alarm is judged on (100): a bucket with fewer is judged together with the buckets before
    /// it (up to <see cref="MaxJudgedBuckets"/>), so that ten requests do not page anyone.
    /// </summary>
    public int MinCount { get; init; } = 100;

    /// <summary>Most buckets judged together to reach <see cref="MinCount"/> (24: a day of hours).</summary>
    public int MaxJudgedBuckets { get; init; } = 24;

    /// <summary>The out-of-domain rate above which an alarm is raised (0.15; calibration aims at 0.05 on in-domain images).</summary>
    public double MaxOutOfDomainRate { get; init; } = 0.15;

    /// <summary>The mean confidence (probability of the predicted class) below which an alarm is raised (0.5).</summary>
    public double MinMeanConfidence { get; init; } = 0.5;

    /// <summary>Most buckets in each series (2000): a longer range gets longer buckets.</summary>
    public int MaxBuckets { get; init; } = 2000;

    /// <summary>How far past the report's "now" a row may be dated before it counts as from a clock that jumped ahead (5 minutes).</summary>
    public TimeSpan FutureTolerance { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether <paramref name="row"/> is one of the rows reported on (its model, and not a shadow unless shadows count).</summary>
    internal bool Counts(LoggedPrediction row) => (Model is null || row.ModelId == Model) && (IncludeShadow || row.Role != "shadow");

    /// <summary>Throws when a setting is out of range, naming it.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (!(ShareFactor > 1) || double.IsInfinity(ShareFactor))
            throw new ArgumentOutOfRangeException(nameof(ShareFactor), ShareFactor, "The share factor must be a finite number above 1 (2: a share that doubles or halves).");
        ArgumentOutOfRangeException.ThrowIfLessThan(MinCount, 1, nameof(MinCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJudgedBuckets, 1, nameof(MaxJudgedBuckets));
        if (MaxOutOfDomainRate is not (>= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(MaxOutOfDomainRate), MaxOutOfDomainRate, "The out-of-domain bound must be from 0 to 1.");
        if (MinMeanConfidence is not (>= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinMeanConfidence), MinMeanConfidence, "The confidence bound must be from 0 to 1.");
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBuckets, 1, nameof(MaxBuckets));
        ArgumentOutOfRangeException.ThrowIfLessThan(FutureTolerance, TimeSpan.Zero, nameof(FutureTolerance));
    }
}
