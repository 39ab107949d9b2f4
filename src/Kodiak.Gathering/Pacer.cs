namespace Kodiak.Gathering;

/// <summary>Keeps one provider's calls at least <paramref name="interval"/> apart, on the fetcher's clock.</summary>
internal sealed class Pacer(TimeSpan interval, TimeProvider time)
{
    readonly Lock _gate = new();
    DateTimeOffset? _last;

    /// <summary>Waits until the interval has passed since the previous call.</summary>
    public async Task WaitAsync(CancellationToken cancellation)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var next = _last is { } last ? last + interval : now;
            wait = next > now ? next - now : TimeSpan.Zero;
            _last = now + wait;
        }

        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, time, cancellation);
    }
}
