using Kodiak.Testing;

namespace Kodiak.Gathering.Tests;

/// <summary>A fake web per test class, and the fast options the tests fetch with.</summary>
public sealed class Web : IAsyncLifetime
{
    public FakeWeb Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeWeb.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A 3 s timeout (a loaded CI machine must not time out on a good answer), 2 retries that don't really wait, a 1 MB cap.</summary>
    internal static GatherOptions FastOptions(InstantTime clock, List<string>? notices = null, int parallelism = 4) => new()
    {
        Timeout = TimeSpan.FromSeconds(3),
        Retries = 2,
        RetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromSeconds(30),
        MaxImageBytes = 1024 * 1024,
        Parallelism = parallelism,
        TimeProvider = clock,
        Notice = notices is null ? null : n => { lock (notices) notices.Add(n); },
    };

    /// <summary>The first <paramref name="count"/> sample image names, starting at <paramref name="skip"/>.</summary>
    public IReadOnlyList<string> Samples(int count, int skip = 0) =>
        [.. Server.Images.Keys.Order(StringComparer.Ordinal).Skip(skip).Take(count)];
}
