using System.Net.Http.Json;
using Kodiak.Monitoring;

namespace Kodiak.Server;

/// <summary>
/// Checks the prediction log for alarms every <see cref="KodiakMonitorOptions.CheckInterval"/>: each alarm is written to
/// the log once, when it is first seen, and POSTed to <see cref="KodiakMonitorOptions.AlertWebhook"/> when there is one.
/// A failed check or a failed POST is logged and never stops the server.
/// </summary>
internal sealed partial class MonitorAlarmService(MonitorReports reports, TimeProvider time, ILogger<MonitorAlarmService> logger) : BackgroundService
{
    static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(10);

    readonly HttpClient _webhook = new() { Timeout = WebhookTimeout };

    /// <summary>One check at a time: what was told is remembered between checks.</summary>
    readonly SemaphoreSlim _checking = new(1, 1);

    /// <summary>The kind and class of each alarm that lasted at the last check: as the window slides, an alarm that lasts longer than it seems to start later, and must not be told again.</summary>
    HashSet<(AlarmKind, string?)> _lasting = [];

    /// <summary>Alarms told that have ended, by key, with their start (forgotten once out of the window).</summary>
    readonly Dictionary<string, DateTimeOffset> _ended = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (reports.Source is null)
        {
            LogNoLog(logger);
            return;
        }

        using var timer = new PeriodicTimer(reports.Options.CheckInterval, time);
        try
        {
            do
            {
                await CheckAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }

    /// <summary>Reads the window up to now and tells every alarm not told yet; returns those.</summary>
    internal async Task<IReadOnlyList<MonitorAlarm>> CheckAsync(CancellationToken cancellation)
    {
        await _checking.WaitAsync(cancellation);
        try
        {
            return await CheckOnceAsync(cancellation);
        }
        finally
        {
            _checking.Release();
        }
    }

    async Task<IReadOnlyList<MonitorAlarm>> CheckOnceAsync(CancellationToken cancellation)
    {
        var now = reports.Now;
        MonitorReport? report;
        try
        {
            report = await reports.ReadAsync(now - reports.Options.Window, now, null, null, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            LogCheckFailed(logger, e, reports.Source?.Name ?? "");
            return [];
        }

        if (report is null)
            return [];
        var told = new List<MonitorAlarm>();
        var lasting = new HashSet<(AlarmKind, string?)>();
        foreach (var alarm in report.Alarms)
        {
            var what = (alarm.Kind, alarm.Class);
            bool known = _lasting.Contains(what) || _ended.ContainsKey(alarm.Key);
            if (alarm.Ended is null)
                lasting.Add(what);
            else
                _ended[alarm.Key] = alarm.Started;
            if (!known)
                told.Add(alarm);
        }

        _lasting = lasting;
        foreach (var key in _ended.Where(e => e.Value < report.Start).Select(e => e.Key).ToList())
            _ended.Remove(key);
        foreach (var alarm in told)
        {
            LogAlarm(logger, alarm.Kind, alarm.Message);
            if (reports.Options.AlertWebhook is { } hook)
                await PostAsync(hook, alarm, cancellation);
        }

        return told;
    }

    async Task PostAsync(Uri hook, MonitorAlarm alarm, CancellationToken cancellation)
    {
        try
        {
            // "text" is what chat webhooks (Slack, Mattermost, Teams' workflows) show; the alarm itself follows for scripts.
            using var answer = await _webhook.PostAsJsonAsync(hook, new AlarmNotice(alarm.Message, alarm), cancellation);
            if (!answer.IsSuccessStatusCode)
                LogWebhookRefused(logger, hook, (int)answer.StatusCode);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            LogWebhookFailed(logger, e, hook);
        }
    }

    public override void Dispose()
    {
        // Stopping first cancels a POST in flight before its client goes.
        base.Dispose();
        _webhook.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Monitoring alarm ({Kind}): {Message}")]
    static partial void LogAlarm(ILogger logger, AlarmKind kind, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Monitoring is off: " + MonitorReports.NoLog)]
    static partial void LogNoLog(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Monitoring could not read {Source}; the next check tries again")]
    static partial void LogCheckFailed(ILogger logger, Exception error, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "The alert webhook {Webhook} could not be reached")]
    static partial void LogWebhookFailed(ILogger logger, Exception error, Uri webhook);

    [LoggerMessage(Level = LogLevel.Error, Message = "The alert webhook {Webhook} answered {Status}")]
    static partial void LogWebhookRefused(ILogger logger, Uri webhook, int status);
}

/// <summary>What the alert webhook receives.</summary>
/// <param name="Text">The alarm in plain words.</param>
/// <param name="Alarm">The alarm.</param>
internal sealed record AlarmNotice(string Text, MonitorAlarm Alarm);
