namespace Kodiak.Monitoring.Tests;

public sealed class MonitorTimeTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30m", "2026-12-06T11:30:00Z")]
    [InlineData("24h", "2026-12-05T12:00:00Z")]
    [InlineData("7d", "2026-11-29T12:00:00Z")]
    [InlineData("2w", "2026-11-22T12:00:00Z")]
    [InlineData("2026-12-01", "2026-12-01T00:00:00Z")]
    [InlineData("2026-12-01T08:00+01:00", "2026-12-01T07:00:00Z")]
    [InlineData("99999999999d", "0001-01-01T00:00:00Z")]
    public void Times_and_spans_back_from_now_are_read(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), MonitorTime.Parse(text, Now, "--since"));

    [Fact]
    public void Anything_else_is_refused_with_what_is_accepted()
    {
        var e = Assert.Throws<FormatException>(() => MonitorTime.Parse("-3d", Now, "--since"));
        Assert.Equal("--since '-3d' is neither a time (2026-12-01, 2026-12-01T08:00Z) nor a span back from now (30m, 24h, 7d, 2w).", e.Message);
    }
}
