using System.Globalization;

namespace Kodiak.Monitoring;

/// <summary>
/// Builds a <see cref="MonitorReport"/> from rows read one at a time: rows are tallied per hour as they come (memory
/// bounded by the hours the log covers, not by its rows), then the hours are gathered into at most
/// <see cref="MonitorOptions.MaxBuckets"/> buckets per series.
/// </summary>
internal sealed class MonitorReportBuilder
{
    const long TicksPerHour = TimeSpan.TicksPerHour;

    readonly DateTimeOffset _from;
    readonly DateTimeOffset _to;
    readonly DateTimeOffset _now;
    readonly MonitorBaseline? _baseline;
    readonly MonitorOptions _options;
    readonly Dictionary<long, BucketTally> _hours = [];
    readonly BucketTally _total = new();
    DateTimeOffset? _latest;
    DateTimeOffset? _furthestFuture;
    TimeSpan _largestJumpBack;
    int _future;
    int _outOfOrder;

    public MonitorReportBuilder(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, MonitorBaseline? baseline, MonitorOptions options)
    {
        options.Validate();
        (_from, _to, _now, _baseline, _options) = (from, to, now, baseline, options);
    }

    public void Add(LoggedPrediction row)
    {
        if (!_options.Counts(row) || row.Time < _from || row.Time >= _to)
            return;
        if (row.Time > _now + _options.FutureTolerance)
        {
            _future++;
            _furthestFuture = _furthestFuture is { } f && f > row.Time ? f : row.Time;
            return;
        }

        if (_latest is { } latest && row.Time < latest)
        {
            _outOfOrder++;
            _largestJumpBack = TimeSpan.FromTicks(Math.Max(_largestJumpBack.Ticks, (latest - row.Time).Ticks));
        }
        else
        {
            _latest = row.Time;
        }

        long hour = row.Time.UtcTicks / TicksPerHour;
        if (!_hours.TryGetValue(hour, out var tally))
            _hours[hour] = tally = new BucketTally();
        tally.Add(row);
        _total.Add(row);
    }

    public MonitorReport Build()
    {
        var messages = new List<string>();
        if (_from >= _to)
            messages.Add($"The range is empty: its start ({MonitorTime.Format(_from)}) is not before its end ({MonitorTime.Format(_to)}).");
        else if (_total.Count == 0)
            messages.Add($"No predictions from {MonitorTime.Format(_from)} to {MonitorTime.Format(_to)}.");
        ClockMessages(messages);

        long startHour, endHour;
        if (_hours.Count > 0)
        {
            // A range that starts long before the first prediction (--since 2000-01-01) starts at that prediction.
            startHour = Math.Max(FloorHour(_from), _hours.Keys.Min());
            long lastHour = _hours.Keys.Max() + 1;
            // Empty hours up to now (or the range's end) are shown too: traffic that stopped is news.
            long untilHour = CeilingHour(_to < _now ? _to : _now);
            endHour = Math.Max(lastHour, Math.Min(untilHour, lastHour + ((long)_options.MaxBuckets * 24)));
        }
        else
        {
            startHour = endHour = FloorHour(_from < _to ? _from : _to);
        }

        var hours = Series(startHour, endHour, 1, "hour", messages, out var fineTallies);
        var days = Series(Math.DivRem(startHour, 24).Quotient, (endHour + 23) / 24, 24, "day", messages, out _);
        var start = FromHour(startHour);
        var end = FromHour(endHour);
        var alarms = new AlarmFinder(_options, _baseline).Find(hours, fineTallies);
        var classes = _total.PerClass.Keys.Union(_baseline?.Shares.Keys ?? []).Order(StringComparer.Ordinal)
            .Select(c => new ClassShare(c, _total.PerClass.GetValueOrDefault(c), _total.Count > 0 ? (double)_total.PerClass.GetValueOrDefault(c) / _total.Count : 0,
                _baseline?.Shares.TryGetValue(c, out double b) == true ? b : null))
            .ToList();
        double seconds = (end - start).TotalSeconds;
        return new MonitorReport(_from, _to, start, end, _options.Model, _total.Count, seconds > 0 ? _total.Count / seconds : 0, classes,
            _total.OutOfDomain, _total.OutOfDomainRate, _total.MeanConfidence, _total.Latency.Quantile(0.5), _total.Latency.Quantile(0.95),
            hours, days, _baseline, alarms, messages, _future, _outOfOrder);
    }

    void ClockMessages(List<string> messages)
    {
        if (_future > 0)
            messages.Add($"{_future} prediction(s) are dated after now ({MonitorTime.Format(_now)}), up to {MonitorTime.Format(_furthestFuture!.Value)}: the clock of the " +
                         "machine that logged them ran ahead. They are left out of this report.");
        if (_outOfOrder > 0)
            messages.Add($"{_outOfOrder} prediction(s) are dated before predictions logged earlier (by up to {Describe(_largestJumpBack)}): a clock " +
                         "jumped back, or several servers' clocks disagree. They are counted at the time they carry.");
    }

    /// <summary>
    /// The buckets of <paramref name="unitHours"/>-hour units from <paramref name="startUnit"/> to <paramref name="endUnit"/>, each unit
    /// when there are at most <see cref="MonitorOptions.MaxBuckets"/> of them, else as many units per bucket as keep under it.
    /// </summary>
    MonitorSeries Series(long startUnit, long endUnit, int unitHours, string unit, List<string> messages, out BucketTally[] tallies)
    {
        long units = Math.Max(0, endUnit - startUnit);
        long perBucket = Math.Max(1, (units + _options.MaxBuckets - 1) / _options.MaxBuckets);
        int count = (int)((units + perBucket - 1) / perBucket);
        var size = TimeSpan.FromHours(unitHours * perBucket);
        if (perBucket > 1)
            messages.Add(string.Create(CultureInfo.InvariantCulture,
                $"The report spans {units} {unit}s: {unit} buckets are {perBucket} {unit}s long, to keep {count} buckets (at most {_options.MaxBuckets})."));
        tallies = new BucketTally[count];
        for (int i = 0; i < count; i++)
            tallies[i] = new BucketTally();
        foreach (var (hour, tally) in _hours)
        {
            long index = (hour / unitHours - startUnit) / perBucket;
            if (index >= 0 && index < count)
                tallies[index].Add(tally);
        }

        var buckets = new MonitorBucket[count];
        for (int i = 0; i < count; i++)
            buckets[i] = tallies[i].ToBucket(FromHour((startUnit + (i * perBucket)) * unitHours), size);
        return new MonitorSeries(size, buckets);
    }

    static long FloorHour(DateTimeOffset time) => time.UtcTicks / TicksPerHour;

    static long CeilingHour(DateTimeOffset time) => (time.UtcTicks + TicksPerHour - 1) / TicksPerHour;

    static DateTimeOffset FromHour(long hour) => new(Math.Min(hour * TicksPerHour, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    static string Describe(TimeSpan span) => span.TotalDays >= 1 ? $"{span.TotalDays:0.#} days"
        : span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes"
        : $"{span.TotalSeconds:0.#} seconds";
}
