using Kodiak.Bundle;
using Kodiak.Testing;

namespace Kodiak.Monitoring.Tests;

public sealed class MonitorReportTests
{
    static readonly DateTimeOffset Start = PlannedTraffic.Start;

    [Fact]
    public void A_class_whose_share_doubles_raises_one_alarm_at_the_hour_it_started_naming_the_class()
    {
        // 48 hours of 200 predictions; from hour 30 grizzly goes from a third to three quarters of them (black and teddy fall to an eighth).
        var rows = PlannedTraffic.Rows(Start, 48, 200, hour => hour < 30 ? [1 / 3.0, 1 / 3.0, 1 / 3.0] : [1 / 8.0, 3 / 4.0, 1 / 8.0]);

        var report = MonitorReport.Build(rows, Start, Start.AddHours(48), Start.AddHours(48), PlannedTraffic.EvenBaseline);

        var up = Assert.Single(report.Alarms, a => a.Kind == AlarmKind.ShareUp);
        Assert.Equal("grizzly", up.Class);
        Assert.Equal(Start.AddHours(30), up.Started);
        Assert.Null(up.Ended);
        Assert.InRange(up.Value, 0.67, 0.85);
        Assert.Equal(1 / 3.0, up.Baseline, 6);
        Assert.Contains("grizzly is", up.Message);
        // Black and teddy halve at the same hour; nothing else moves.
        Assert.Equal(["black", "teddy"], report.Alarms.Where(a => a.Kind == AlarmKind.ShareDown).Select(a => a.Class));
        Assert.All(report.Alarms, a => Assert.Equal(Start.AddHours(30), a.Started));
        Assert.Equal(3, report.Alarms.Count);
    }

    [Fact]
    public void A_steady_stream_raises_no_alarm()
    {
        var rows = PlannedTraffic.Steady(hours: 24 * 7, perHour: 150);

        var report = MonitorReport.Build(rows, Start, Start.AddDays(7), Start.AddDays(7), PlannedTraffic.EvenBaseline);

        Assert.Empty(report.Alarms);
        Assert.Equal(24 * 7 * 150, report.Total);
        Assert.Equal(24 * 7, report.Hours.Buckets.Count);
        Assert.Equal(7, report.Days.Buckets.Count);
        Assert.All(report.Classes, c => Assert.InRange(c.Share, 0.3, 0.37));
        Assert.Equal(150 / 3600.0, report.RequestsPerSecond, 6);
    }

    [Fact]
    public void An_alarm_that_passes_has_an_end()
    {
        var rows = PlannedTraffic.Rows(Start, 24, 200, hour => hour is >= 10 and < 14 ? [0.05, 0.9, 0.05] : [1 / 3.0, 1 / 3.0, 1 / 3.0]);

        var report = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), PlannedTraffic.EvenBaseline);

        var up = Assert.Single(report.Alarms, a => a.Kind == AlarmKind.ShareUp);
        Assert.Equal((Start.AddHours(10), Start.AddHours(14)), (up.Started, up.Ended));
    }

    [Fact]
    public void A_share_hovering_at_its_bound_raises_one_alarm_not_one_an_hour()
    {
        // Exactly twice its share from hour 10: sampling puts each hour a little above or below the bound.
        var rows = PlannedTraffic.Rows(Start, 48, 200, hour => hour < 10 ? [1 / 3.0, 1 / 3.0, 1 / 3.0] : [1 / 6.0, 2 / 3.0, 1 / 6.0]);

        var report = MonitorReport.Build(rows, Start, Start.AddHours(48), Start.AddHours(48), PlannedTraffic.EvenBaseline);

        var up = Assert.Single(report.Alarms, a => a.Kind == AlarmKind.ShareUp);
        Assert.Equal("grizzly", up.Class);
        Assert.Null(up.Ended);
    }

    [Fact]
    public void Ten_requests_do_not_page_anyone()
    {
        // Ten predictions, all grizzly: three times its share, but too few to judge.
        var rows = Enumerable.Range(0, 10).Select(i => PlannedTraffic.Row(Start.AddMinutes(i), "grizzly", id: i)).ToList();

        var quiet = MonitorReport.Build(rows, Start, Start.AddHours(1), Start.AddHours(1), PlannedTraffic.EvenBaseline);
        var eager = MonitorReport.Build(rows, Start, Start.AddHours(1), Start.AddHours(1), PlannedTraffic.EvenBaseline, new MonitorOptions { MinCount = 10 });

        Assert.Empty(quiet.Alarms);
        Assert.Contains(eager.Alarms, a => a.Kind == AlarmKind.ShareUp && a.Class == "grizzly");
    }

    [Fact]
    public void Quiet_hours_are_judged_together_until_the_minimum_count()
    {
        // 30 an hour with a minimum of 100: each hour is judged with the three before it.
        var rows = PlannedTraffic.Rows(Start, 24, 30, hour => hour < 12 ? [1 / 3.0, 1 / 3.0, 1 / 3.0] : [0, 1, 0]);

        var report = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), PlannedTraffic.EvenBaseline);

        var up = Assert.Single(report.Alarms, a => a.Kind == AlarmKind.ShareUp);
        Assert.Equal("grizzly", up.Class);
        Assert.InRange(up.Started, Start.AddHours(12), Start.AddHours(14));
        Assert.True(up.Count >= 100);
    }

    [Fact]
    public void A_share_factor_of_three_ignores_a_doubling()
    {
        var rows = PlannedTraffic.Rows(Start, 24, 200, hour => hour < 12 ? [0.25, 0.25, 0.5] : [0.5, 0.25, 0.25]);
        var baseline = new MonitorBaseline(new Dictionary<string, double> { ["black"] = 0.25, ["grizzly"] = 0.25, ["teddy"] = 0.5 }, "planned");

        var byTwo = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), baseline);
        var byThree = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), baseline, new MonitorOptions { ShareFactor = 3 });

        Assert.Contains(byTwo.Alarms, a => a is { Kind: AlarmKind.ShareUp, Class: "black" });
        Assert.Empty(byThree.Alarms);
    }

    [Fact]
    public void A_rising_out_of_domain_rate_raises_an_alarm_at_its_hour()
    {
        var rows = PlannedTraffic.Rows(Start, 24, 200, _ => [1 / 3.0, 1 / 3.0, 1 / 3.0], outOfDomain: hour => hour < 16 ? 0.05 : 0.4);

        var report = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), PlannedTraffic.EvenBaseline);

        var alarm = Assert.Single(report.Alarms);
        Assert.Equal((AlarmKind.OutOfDomainRate, Start.AddHours(16)), (alarm.Kind, alarm.Started));
        Assert.InRange(alarm.Value, 0.3, 0.5);
        Assert.InRange(report.OutOfDomainRate!.Value, 0.1, 0.2);
    }

    [Fact]
    public void Rows_without_calibration_have_no_out_of_domain_rate()
    {
        var report = MonitorReport.Build(PlannedTraffic.Steady(2, 200), Start, Start.AddHours(2), Start.AddHours(2));

        Assert.Null(report.OutOfDomainRate);
        Assert.All(report.Hours.Buckets, b => Assert.Null(b.OutOfDomainRate));
    }

    [Fact]
    public void Falling_confidence_raises_an_alarm_with_a_tighter_bound_too()
    {
        var rows = PlannedTraffic.Rows(Start, 24, 200, _ => [1 / 3.0, 1 / 3.0, 1 / 3.0], confidence: hour => hour < 20 ? 0.9f : 0.7f);

        var loose = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), PlannedTraffic.EvenBaseline);
        var tight = MonitorReport.Build(rows, Start, Start.AddHours(24), Start.AddHours(24), PlannedTraffic.EvenBaseline, new MonitorOptions { MinMeanConfidence = 0.8 });

        Assert.Empty(loose.Alarms);
        var alarm = Assert.Single(tight.Alarms);
        Assert.Equal((AlarmKind.LowConfidence, Start.AddHours(20)), (alarm.Kind, alarm.Started));
        Assert.Equal(0.7, alarm.Value, 3);
    }

    [Fact]
    public void Shadow_predictions_are_left_out_and_a_model_can_be_chosen()
    {
        var rows = new List<LoggedPrediction>
        {
            PlannedTraffic.Row(Start, "black", model: "bears"),
            PlannedTraffic.Row(Start, "teddy", model: "bears-v2", role: "shadow"),
            PlannedTraffic.Row(Start.AddMinutes(1), "grizzly", model: "bears-v2", role: "canary"),
        };

        var all = MonitorReport.Build(rows, Start, Start.AddHours(1), Start.AddHours(1));
        var v2 = MonitorReport.Build(rows, Start, Start.AddHours(1), Start.AddHours(1), options: new MonitorOptions { Model = "bears-v2", IncludeShadow = true });

        Assert.Equal(["black", "grizzly"], all.Classes.Select(c => c.Class));
        Assert.Equal(2, v2.Total);
    }

    [Fact]
    public void Latency_percentiles_are_within_two_percent()
    {
        var rows = Enumerable.Range(1, 1000).Select(i => PlannedTraffic.Row(Start.AddSeconds(i), "black", latencyMs: i, id: i)).ToList();

        var report = MonitorReport.Build(rows, Start, Start.AddHours(1), Start.AddHours(1));

        Assert.InRange(report.LatencyP50Ms!.Value, 500, 510);
        Assert.InRange(report.LatencyP95Ms!.Value, 950, 969);
    }

    [Fact]
    public void Rows_from_a_clock_that_jumped_are_reported_and_never_break_the_report()
    {
        var now = Start.AddHours(3);
        var rows = new List<LoggedPrediction>
        {
            PlannedTraffic.Row(Start.AddHours(2), "black", id: 1),
            PlannedTraffic.Row(Start.AddHours(1), "grizzly", id: 2),    // the clock went back an hour
            PlannedTraffic.Row(Start.AddYears(5), "teddy", id: 3),      // and then ran five years ahead
            PlannedTraffic.Row(Start.AddHours(2.5), "teddy", id: 4),
        };

        var report = MonitorReport.Build(rows, Start, DateTimeOffset.MaxValue, now);

        Assert.Equal((3, 1, 1), (report.Total, report.FutureRows, report.OutOfOrderRows));
        Assert.Contains(report.Messages, m => m.StartsWith("1 prediction(s) are dated after now (2026-11-02 03:00 UTC), up to 2031-11-02 00:00 UTC", StringComparison.Ordinal));
        Assert.Contains(report.Messages, m => m.Contains("dated before predictions logged earlier (by up to 1 hours)", StringComparison.Ordinal));
        Assert.Equal([Start.AddHours(1), Start.AddHours(2)], report.Hours.Buckets.Select(b => b.Start));
        Assert.Equal([1, 2], report.Hours.Buckets.Select(b => b.Count));
    }

    [Fact]
    public void A_huge_range_keeps_its_buckets_bounded_and_says_so()
    {
        // Two rows twenty years apart, asked for from the year 1 to the end of time.
        var rows = new[] { PlannedTraffic.Row(Start.AddYears(-20), "black"), PlannedTraffic.Row(Start, "teddy") };

        var report = MonitorReport.Build(rows, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, Start.AddHours(1));

        Assert.Equal(Start.AddYears(-20).AddHours(0), report.Start);
        Assert.InRange(report.Hours.Buckets.Count, 1000, 2000);
        Assert.InRange(report.Days.Buckets.Count, 1000, 2000);
        Assert.Equal(2, report.Hours.Buckets.Sum(b => b.Count));
        Assert.Equal(2, report.Days.Buckets.Sum(b => b.Count));
        Assert.Contains(report.Messages, m => m.StartsWith("The report spans 17532", StringComparison.Ordinal) && m.Contains("hour buckets are 88 hours long", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_or_reversed_range_says_so()
    {
        var reversed = MonitorReport.Build([PlannedTraffic.Row(Start, "black")], Start.AddHours(1), Start, Start);
        var empty = MonitorReport.Build([], Start, Start.AddHours(1), Start.AddHours(1));

        Assert.Equal("The range is empty: its start (2026-11-02 01:00 UTC) is not before its end (2026-11-02 00:00 UTC).", Assert.Single(reversed.Messages));
        Assert.Equal("No predictions from 2026-11-02 00:00 UTC to 2026-11-02 01:00 UTC.", Assert.Single(empty.Messages));
        Assert.Empty(empty.Hours.Buckets);
        Assert.Null(empty.MeanConfidence);
    }

    [Fact]
    public void Traffic_that_stops_shows_empty_hours_up_to_now()
    {
        var rows = PlannedTraffic.Steady(2, 10);

        var report = MonitorReport.Build(rows, Start, Start.AddDays(1), Start.AddHours(5));

        Assert.Equal([10, 10, 0, 0, 0], report.Hours.Buckets.Select(b => b.Count));
    }

    [Fact]
    public async Task A_report_reads_its_range_from_a_source()
    {
        var source = new InMemoryPredictionSource();
        source.Add(PlannedTraffic.Steady(48, 10));

        var report = await MonitorReport.ReadAsync(source, Start.AddHours(24), Start.AddHours(48), Start.AddHours(48));

        Assert.Equal(240, report.Total);
        Assert.Equal(Start.AddHours(24), report.Hours.Buckets[0].Start);
    }

    [Fact]
    public void The_baseline_is_the_validation_distribution_recorded_at_export()
    {
        var manifest = Manifest(new Dictionary<string, int> { ["black"] = 10, ["grizzly"] = 30 });

        var baseline = MonitorBaseline.FromManifest(manifest)!;

        Assert.Equal(0.25, baseline.Shares["black"]);
        Assert.Equal(0.75, baseline.Shares["grizzly"]);
        Assert.Equal(0, baseline.Shares["teddy"]);
        Assert.Equal("the validation set at export (40 images)", baseline.Description);
    }

    [Fact]
    public void A_past_window_can_be_the_baseline()
    {
        var baseline = MonitorBaseline.FromRows([PlannedTraffic.Row(Start, "black"), PlannedTraffic.Row(Start, "black"), PlannedTraffic.Row(Start, "teddy")], "last week")!;

        Assert.Equal(2 / 3.0, baseline.Shares["black"], 6);
        Assert.Equal("last week (3 predictions)", baseline.Description);
        Assert.Null(MonitorBaseline.FromRows([], "nothing"));
    }

    [Fact]
    public void Options_out_of_range_are_refused_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MonitorReport.Build([], Start, Start.AddHours(1), Start, options: new MonitorOptions { ShareFactor = 1 }));
        Assert.Equal("ShareFactor", e.ParamName);
    }

    static BundleManifest Manifest(Dictionary<string, int> valid) => new()
    {
        FormatVersion = 1,
        Architecture = "resnet18",
        Classes = PlannedTraffic.Classes,
        Input = new ModelInput(OnnxTensors.Input, 32, 32, "NCHW", "RGB", [0f, 1f], "nothing"),
        ItemTransforms = [],
        Training = new TrainingSummary("bears", new Dictionary<string, IReadOnlyDictionary<string, int>> { ["valid"] = valid }, 1,
            new Dictionary<string, double>(), 1, "test"),
    };
}
