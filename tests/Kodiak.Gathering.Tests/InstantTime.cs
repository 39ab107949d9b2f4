namespace Kodiak.Gathering.Tests;

/// <summary>A clock whose waits end at once, remembering how long each was meant to be (retry backoff, Retry-After).</summary>
internal sealed class InstantTime : TimeProvider
{
    readonly List<TimeSpan> _waits = [];

    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_waits) return [.. _waits];
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
            lock (_waits) _waits.Add(dueTime);
        return base.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
    }
}
