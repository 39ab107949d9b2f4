using System.Globalization;
using System.Text.RegularExpressions;

namespace Kodiak.Monitoring;

/// <summary>The times people give for a report's range (<c>--since</c>, <c>?since=</c>): a date and time, or a span back from now.</summary>
public static partial class MonitorTime
{
    /// <summary>
    /// <paramref name="text"/> as a time: an ISO date or date and time (UTC unless it says otherwise:
    /// <c>2026-12-01</c>, <c>2026-12-01T08:00+01:00</c>), or a span back from <paramref name="now"/>: a number and
    /// <c>m</c>, <c>h</c>, <c>d</c> or <c>w</c> (<c>30m</c>, <c>24h</c>, <c>7d</c>). A span longer than the calendar reaches back to its start.
    /// </summary>
    /// <param name="text">What was given.</param>
    /// <param name="now">The present.</param>
    /// <param name="what">What it is for, in the message (<c>--since</c>).</param>
    /// <exception cref="FormatException">It is neither; the message says what is accepted.</exception>
    public static DateTimeOffset Parse(string text, DateTimeOffset now, string what)
    {
        var span = Span().Match(text.Trim());
        if (span.Success)
        {
            double amount = double.Parse(span.Groups["n"].Value, CultureInfo.InvariantCulture);
            double hours = amount * span.Groups["unit"].Value switch { "m" => 1 / 60.0, "h" => 1, "d" => 24, _ => 24 * 7 };
            double reach = (now - DateTimeOffset.MinValue).TotalHours;
            return hours >= reach ? DateTimeOffset.MinValue : now - TimeSpan.FromHours(hours);
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time))
            return time.ToUniversalTime();
        throw new FormatException($"{what} '{text}' is neither a time (2026-12-01, 2026-12-01T08:00Z) nor a span back from now (30m, 24h, 7d, 2w).");
    }

    /// <summary><paramref name="time"/> as reports write it: <c>2026-12-01 08:00 UTC</c>.</summary>
    /// <param name="time">The time.</param>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<unit>[mhdw])$")]
    private static partial Regex Span();
}
