using System.Globalization;

namespace Kodiak.Monitoring;

/// <summary>
/// Finds the alarms of a series: each bucket is judged on itself, or together with the buckets before it until
/// <see cref="MonitorOptions.MinCount"/> predictions are reached; a bucket that cannot reach it is not judged (an
/// alarm neither starts nor ends there). An alarm starts at the first bucket past its bound and ends at the first one
/// clearly back: a share back within the square root of the factor (1.41× for 2), a rate or confidence back by a tenth of
/// its bound, so that a value hovering at its bound raises one alarm, not one an hour.
/// </summary>
internal sealed class AlarmFinder(MonitorOptions options, MonitorBaseline? baseline)
{
    public IReadOnlyList<MonitorAlarm> Find(MonitorSeries series, IReadOnlyList<BucketTally> tallies)
    {
        var open = new Dictionary<(AlarmKind, string?), MonitorAlarm>();
        var alarms = new List<MonitorAlarm>();
        for (int i = 0; i < tallies.Count; i++)
        {
            var window = Window(tallies, i);
            if (window is null)
                continue;
            var start = series.Buckets[i].Start;
            foreach (var (kind, @class, past, back, alarm) in Judge(window, start))
            {
                var key = (kind, @class);
                if (past && !open.ContainsKey(key))
                {
                    open[key] = alarm!;
                }
                else if (back && open.Remove(key, out var ended))
                {
                    alarms.Add(ended with { Ended = start });
                }
            }
        }

        alarms.AddRange(open.Values);
        return [.. alarms.OrderBy(a => a.Started).ThenBy(a => a.Kind).ThenBy(a => a.Class, StringComparer.Ordinal)];
    }

    /// <summary>Bucket <paramref name="i"/> with as many before it as reach the minimum count, or null when they cannot.</summary>
    BucketTally? Window(IReadOnlyList<BucketTally> tallies, int i)
    {
        if (tallies[i].Count >= options.MinCount)
            return tallies[i];
        var window = new BucketTally();
        for (int j = i; j >= 0 && j > i - options.MaxJudgedBuckets; j--)
        {
            window.Add(tallies[j]);
            if (window.Count >= options.MinCount)
                return window;
        }

        return null;
    }

    /// <summary>Every watched value of the window: whether it is past its bound, whether it is clearly back, and the alarm it would start.</summary>
    IEnumerable<(AlarmKind Kind, string? Class, bool Past, bool Back, MonitorAlarm? Alarm)> Judge(BucketTally window, DateTimeOffset start)
    {
        string when = MonitorTime.Format(start);
        foreach (var (@class, expected) in baseline?.Shares ?? new Dictionary<string, double>())
        {
            // A class the baseline never saw has no share to double or halve.
            if (expected <= 0)
                continue;
            double share = (double)window.PerClass.GetValueOrDefault(@class) / window.Count;
            double ratio = share / expected;
            bool up = ratio >= options.ShareFactor;
            bool down = ratio <= 1 / options.ShareFactor;
            double back = Math.Sqrt(options.ShareFactor);
            yield return (AlarmKind.ShareUp, @class, up, ratio < back, up ? new MonitorAlarm(AlarmKind.ShareUp, @class, start, null, share, expected,
                expected * options.ShareFactor, window.Count,
                Text($"{@class} is {share * 100:0}% of predictions from {when}, {ratio:0.0#}× its baseline share {expected * 100:0}% ({baseline!.Description}).")) : null);
            yield return (AlarmKind.ShareDown, @class, down, ratio > 1 / back, down ? new MonitorAlarm(AlarmKind.ShareDown, @class, start, null, share, expected,
                expected / options.ShareFactor, window.Count,
                Text($"{@class} is {share * 100:0}% of predictions from {when}, {ratio:0.0#}× its baseline share {expected * 100:0}% ({baseline!.Description}).")) : null);
        }

        // The out-of-domain rate is judged on calibrated predictions only, and needs the minimum count of those too.
        if (window.OutOfDomainRate is double rate && window.Calibrated >= options.MinCount)
        {
            bool past = rate > options.MaxOutOfDomainRate;
            yield return (AlarmKind.OutOfDomainRate, null, past, rate <= options.MaxOutOfDomainRate * 0.9, past ? new MonitorAlarm(AlarmKind.OutOfDomainRate, null, start, null, rate,
                options.MaxOutOfDomainRate, options.MaxOutOfDomainRate, window.Calibrated,
                Text($"{rate * 100:0}% of predictions from {when} do not look like any class (out of domain), above the bound {options.MaxOutOfDomainRate * 100:0}%.")) : null);
        }

        if (window.MeanConfidence is double confidence)
        {
            bool past = confidence < options.MinMeanConfidence;
            yield return (AlarmKind.LowConfidence, null, past, confidence >= options.MinMeanConfidence * 1.1, past ? new MonitorAlarm(AlarmKind.LowConfidence, null, start, null, confidence,
                options.MinMeanConfidence, options.MinMeanConfidence, window.Count,
                Text($"The mean confidence from {when} is {confidence * 100:0}%, below the bound {options.MinMeanConfidence * 100:0}%.")) : null);
        }
    }

    static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
