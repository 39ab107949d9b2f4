namespace Kodiak.Gathering.Tests;

/// <summary>
/// A clock whose waits end at once, remembering how long each was meant to be (retry backoff, Retry-After, pacing), and
/// moving its time on by that much, so the fake web sees the waits. Each clock starts on its own day, 60 days after the
/// previous one, so hourly and monthly quotas of a shared fake server start afresh for each test.
/// </summary>
internal sealed class InstantTime : TimeProvider
{
    static long _clocks;

    readonly List<TimeSpan> _waits = [];
    readonly Lock _gate = new();
    DateTimeOffset _now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(60 * Interlocked.Increment(ref _clocks));

    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (_gate) return [.. _waits];
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate) return _now;
    }

    /// <summary>Moves the time on, as if <paramref name="time"/> had passed.</summary>
    public void Advance(TimeSpan time)
    {
        lock (_gate) _now += time;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
            lock (_gate)
            {
                _waits.Add(dueTime);
                _now += dueTime;
            }

        return base.CreateTimer(callback, state, dueTime == Timeout.InfiniteTimeSpan ? dueTime : TimeSpan.Zero, period);
    }
}
