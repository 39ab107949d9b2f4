using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

/// <summary>A fake web per test class, and the fast options the tests fetch with.</summary>
public sealed class Web : IAsyncLifetime
{
    public FakeWeb Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeWeb.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>
    /// No time limit (on this clock every wait ends at once, so a limit would end every request; the timeout tests move a
    /// <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/> instead), 2 retries that don't really wait, a 1 MB cap,
    /// and a contact in the User-Agent, which Wikimedia's policy asks for.
    /// </summary>
    internal static GatherOptions FastOptions(InstantTime clock, List<string>? notices = null, int parallelism = 4) => new()
    {
        Timeout = Timeout.InfiniteTimeSpan,
        Retries = 2,
        RetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(30),
        MaxImageBytes = 1024 * 1024,
        Parallelism = parallelism,
        TimeProvider = clock,
        Contact = "tests@example.org",
        Notice = notices is null ? null : n => { lock (notices) notices.Add(n); },
    };

    /// <summary>The first <paramref name="count"/> sample image names, starting at <paramref name="skip"/>.</summary>
    public IReadOnlyList<string> Samples(int count, int skip = 0) =>
        [.. Server.Images.Keys.Order(StringComparer.Ordinal).Skip(skip).Take(count)];
}
