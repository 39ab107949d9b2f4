namespace Kodiak.Gathering;

/// <summary>How searches and downloads behave on the network: bounds, time limits and retries.</summary>
public sealed class GatherOptions
{
    /// <summary>The defaults: 8 downloads at a time, 30 s per request, 20 MB per image, 3 retries from 1 s.</summary>
    public static GatherOptions Default { get; } = new();

    /// <summary>Downloads running at the same time. Defaults to 8.</summary>
    public int Parallelism
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 8;

    /// <summary>
    /// Longest one request may take, from sending it to the last byte of the answer, measured on <see cref="TimeProvider"/>;
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for no limit. Defaults to 30 s.
    /// </summary>
    public TimeSpan Timeout
    {
        get;
        init
        {
            if (value != System.Threading.Timeout.InfiniteTimeSpan)
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(30);

    /// <summary>Largest image kept, in bytes, enforced while the answer streams in. Defaults to 20 MB.</summary>
    public long MaxImageBytes
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 20 * 1024 * 1024;

    /// <summary>Retries after a transient failure (timeout, lost connection, 429, 5xx). Defaults to 3.</summary>
    public int Retries
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 3;

    /// <summary>Wait before the first retry; it doubles (with jitter) for each further one. Defaults to 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait before a retry, also when a server's Retry-After asks for more. Defaults to 60 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The clock the time limit and the retry waits run on; tests pass a fake one that does not really wait.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The user's e-mail address or web page, added to the User-Agent (Wikimedia's User-Agent policy asks for a way to
    /// reach whoever runs a script); null for the project's URL alone.
    /// </summary>
    public string? Contact { get; init; }

    /// <summary>The environment variable <c>--contact</c> defaults to.</summary>
    public const string ContactVariable = "KODIAK_CONTACT";

    /// <summary>Told about each retry in plain words (e.g. to print a warning); null to stay quiet.</summary>
    public Action<string>? Notice { get; init; }
}
