using System.CommandLine;
using System.Globalization;
using Kodiak.Bundle;
using Kodiak.Monitoring;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak monitor LOG [--since T] [--until T]</c>: the monitoring report of a prediction log in the terminal.</summary>
internal static class MonitorCommand
{
    /// <summary>
    /// Opens a prediction log for reading: a SQLite file (which must exist: reading never makes an empty log) or a
    /// PostgreSQL connection string. The command takes another opener (tests give rows in memory).
    /// </summary>
    public static readonly Func<string, IPredictionSource> OpenLog = log =>
        log.Contains('=') || File.Exists(log)
            ? PredictionLog.Open(log)
            : throw new FileNotFoundException($"No prediction log at '{Path.GetFullPath(log)}' (kodiak serve --log FILE.db writes one).", log);

    public static Command Create(Terminal terminal, Func<string, IPredictionSource>? open = null, TimeProvider? time = null)
    {
        var defaults = new MonitorOptions();
        var log = new Argument<string>("LOG") { Description = "The prediction log: a SQLite file (kodiak serve --log FILE.db) or a PostgreSQL connection string." };
        var since = new Option<string>("--since") { Description = "From when: a time (2026-12-01, 2026-12-01T08:00Z) or a span back from now (30m, 24h, 7d).", DefaultValueFactory = _ => "24h" };
        var until = new Option<string?>("--until") { Description = "Until when (default: now), as --since." };
        var model = new Option<string?>("--model") { Description = "Only this model's predictions (its name)." };
        var baseline = new Option<string?>("--baseline") { Description = "Compare class shares with this exported model's validation set (MODEL.kodiak)." };
        var baselineSince = new Option<string?>("--baseline-since") { Description = "Compare class shares with the log from this time (until --baseline-until, else --since)." };
        var baselineUntil = new Option<string?>("--baseline-until") { Description = "The end of the baseline window." };
        var factor = new Option<double>("--factor") { Description = "Alarm when a class's share is this many times its baseline share, or that many times less.", DefaultValueFactory = _ => defaults.ShareFactor }
            .Must(f => f > 1 && double.IsFinite(f), "must be a number above 1");
        var minCount = new Option<int>("--min-count") { Description = "Fewest predictions an alarm is judged on.", DefaultValueFactory = _ => defaults.MinCount }
            .Must(n => n >= 1, "must be at least 1");
        var maxOod = new Option<double>("--max-ood-rate") { Description = "Alarm when the out-of-domain rate rises above this.", DefaultValueFactory = _ => defaults.MaxOutOfDomainRate }
            .Must(r => r is >= 0 and <= 1, "must be from 0 to 1");
        var minConfidence = new Option<double>("--min-confidence") { Description = "Alarm when the mean confidence falls below this.", DefaultValueFactory = _ => defaults.MinMeanConfidence }
            .Must(r => r is >= 0 and <= 1, "must be from 0 to 1");
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (what GET /api/monitor answers)." };
        var command = new Command("monitor", "Report on a prediction log: predictions per class against a baseline, out-of-domain rate, confidence, latency, and alarms.")
        {
            log, since, until, model, baseline, baselineSince, baselineUntil, factor, minCount, maxOod, minConfidence, json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(baseline) is not null && (result.GetValue(baselineSince) ?? result.GetValue(baselineUntil)) is not null)
                result.AddError("--baseline and --baseline-since/--baseline-until are two baselines: give one.");
        });
        command.SetAction((parse, cancellation) => RunAsync(terminal, open ?? OpenLog, (time ?? TimeProvider.System).GetUtcNow(), new Request(
            parse.GetValue(log)!, parse.GetValue(since)!, parse.GetValue(until), parse.GetValue(baseline), parse.GetValue(baselineSince), parse.GetValue(baselineUntil),
            new MonitorOptions
            {
                Model = parse.GetValue(model), ShareFactor = parse.GetValue(factor), MinCount = parse.GetValue(minCount),
                MaxOutOfDomainRate = parse.GetValue(maxOod), MinMeanConfidence = parse.GetValue(minConfidence),
            }, parse.GetValue(json)), cancellation));
        return command;
    }

    sealed record Request(string Log, string Since, string? Until, string? Bundle, string? BaselineSince, string? BaselineUntil, MonitorOptions Options, bool Json);

    static async Task<int> RunAsync(Terminal terminal, Func<string, IPredictionSource> open, DateTimeOffset now, Request request, CancellationToken cancellation)
    {
        MonitorReport report;
        try
        {
            var to = request.Until is null ? now : MonitorTime.Parse(request.Until, now, "--until");
            var from = MonitorTime.Parse(request.Since, now, "--since");
            var source = open(request.Log);
            await using var opened = source as IAsyncDisposable;
            var baseline = await Baseline(source, request, from, now, cancellation);
            report = await MonitorReport.ReadAsync(source, from, to, now, baseline, request.Options, cancellation);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or IOException or InvalidDataException or ArgumentException
                                       or System.Data.Common.DbException)
        {
            terminal.Fail(e.Message);
            return 1;
        }

        if (request.Json)
            terminal.WriteJson(report);
        else
            Show(terminal.Out, report);
        return 0;
    }

    static async Task<MonitorBaseline?> Baseline(IPredictionSource source, Request request, DateTimeOffset from, DateTimeOffset now, CancellationToken cancellation)
    {
        if (request.Bundle is not null)
        {
            return MonitorBaseline.FromManifest(ModelBundle.Open(request.Bundle).Manifest)
                   ?? throw new InvalidDataException($"{request.Bundle} recorded no validation images: choose a past window with --baseline-since.");
        }

        if (request.BaselineSince is null && request.BaselineUntil is null)
            return null;
        var to = request.BaselineUntil is null ? from : MonitorTime.Parse(request.BaselineUntil, now, "--baseline-until");
        var start = request.BaselineSince is null ? to - (now - from) : MonitorTime.Parse(request.BaselineSince, now, "--baseline-since");
        return await MonitorBaseline.ReadAsync(source, start, to, request.Options, cancellation)
               ?? throw new InvalidDataException($"The baseline window ({MonitorTime.Format(start)} to {MonitorTime.Format(to)}) holds no predictions: choose another one.");
    }

    static void Show(IAnsiConsole console, MonitorReport report)
    {
        console.MarkupLineInterpolated($"[bold]{report.Total}[/] predictions{(report.Model is null ? "" : $" of {report.Model}")} from {MonitorTime.Format(report.Start)} to {MonitorTime.Format(report.End)}");
        foreach (string message in report.Messages)
            console.MarkupLineInterpolated($"[yellow]note:[/] {message}");

        var summary = new Table().AddColumns("requests/s", "out of domain", "mean confidence", "latency p50", "latency p95");
        summary.AddRow(Number(report.RequestsPerSecond, "0.0###"), Percent(report.OutOfDomainRate), Percent(report.MeanConfidence),
            Ms(report.LatencyP50Ms), Ms(report.LatencyP95Ms));
        console.Write(summary);

        var classes = new Table().AddColumns("class", "predictions", "share", "baseline", "× baseline");
        foreach (var c in report.Classes)
            classes.AddRow(Markup.Escape(c.Class), c.Count.ToString(CultureInfo.InvariantCulture), Percent(c.Share), Percent(c.BaselineShare),
                c.BaselineShare is > 0 and var b ? Number(c.Share / b, "0.00") : "–");
        console.Write(classes);
        console.MarkupLineInterpolated($"Baseline: {report.Baseline?.Description ?? "none (class shares raise no alarm; give --baseline MODEL.kodiak or --baseline-since)"}");

        var days = new Table().AddColumns("day", "predictions", "out of domain", "mean confidence", "latency p95");
        foreach (var day in report.Days.Buckets)
            days.AddRow(MonitorTime.Format(day.Start), day.Count.ToString(CultureInfo.InvariantCulture), Percent(day.OutOfDomainRate),
                Percent(day.MeanConfidence), Ms(day.LatencyP95Ms));
        console.Write(days);

        if (report.Alarms.Count == 0)
        {
            console.MarkupLine("[green]No alarms.[/]");
            return;
        }

        console.MarkupLineInterpolated($"[red bold]{report.Alarms.Count} alarm(s):[/]");
        foreach (var alarm in report.Alarms)
            console.MarkupLineInterpolated($"[red]- {alarm.Kind}[/] {alarm.Message} {(alarm.Ended is { } ended ? $"Ended {MonitorTime.Format(ended)}." : "Still on.")}");
    }

    static string Percent(double? value) => value is double v ? (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    static string Ms(double? value) => value is double v ? v.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "–";
}
