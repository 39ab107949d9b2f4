using Kodiak.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kodiak.Server;

/// <summary><c>GET /api/monitor</c>: the monitoring report as JSON, and the page's files.</summary>
internal static class MonitorApi
{
    public static RouteGroupBuilder MapMonitorApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").RequireAdminToken();
        group.MapGet("/api/monitor", GetReport)
            .WithName("GetMonitorReport")
            .WithSummary("The monitoring report: class shares against the baseline, out-of-domain rate, confidence, latency and traffic per hour and day, and alarms.")
            .WithDescription("since and until: an ISO time, or a span back from now (30m, 24h, 7d); by default the monitor's window up to now. " +
                             "baselineSince and baselineUntil: a past window whose class shares replace the validation set's. model: one model's rows only.");
        group.MapAdminPage("monitor");
        return group;
    }

    static async Task<Results<Ok<MonitorReport>, ProblemHttpResult>> GetReport(MonitorReports reports, CancellationToken cancellation,
        string? since = null, string? until = null, string? baselineSince = null, string? baselineUntil = null, string? model = null)
    {
        if (reports.Source is null)
            return TypedResults.Problem(MonitorReports.NoLog, statusCode: StatusCodes.Status503ServiceUnavailable, title: "No prediction log.");
        var now = reports.Now;
        DateTimeOffset from, to;
        MonitorBaseline? baseline = null;
        try
        {
            to = until is null ? now : MonitorTime.Parse(until, now, "until");
            from = since is null ? to - reports.Options.Window : MonitorTime.Parse(since, now, "since");
            if (baselineSince is not null || baselineUntil is not null)
            {
                var baselineTo = baselineUntil is null ? from : MonitorTime.Parse(baselineUntil, now, "baselineUntil");
                var baselineFrom = baselineSince is null ? baselineTo - reports.Options.Window : MonitorTime.Parse(baselineSince, now, "baselineSince");
                baseline = await MonitorBaseline.ReadAsync(reports.Source, baselineFrom, baselineTo, reports.Thresholds(model), cancellation)
                    ?? throw new FormatException("The baseline window holds no predictions: choose another one.");
            }
        }
        catch (FormatException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Bad range.");
        }

        return TypedResults.Ok((await reports.ReadAsync(from, to, baseline, model, cancellation))!);
    }
}
