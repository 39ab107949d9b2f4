using System.CommandLine;
using System.Text.Json;
using Kodiak.Cli.Commands;
using Kodiak.Monitoring;
using Kodiak.Testing;

namespace Kodiak.Cli.Tests.Commands;

public sealed class MonitorCommandTests
{
    static readonly DateTimeOffset Start = PlannedTraffic.Start;

    /// <summary>A day and a half after <see cref="PlannedTraffic.Start"/>.</summary>
    static readonly DateTimeOffset Now = Start.AddHours(36);

    [Fact]
    public async Task A_missing_log_file_is_named_and_not_created()
    {
        using var temp = new TempFolder();
        string missing = Path.Combine(temp.Path, "bears.db");

        var (code, _, error) = await CliRunner.RunAsync("monitor", missing);

        Assert.Equal(1, code);
        Assert.Contains($"No prediction log at '{missing}'", error.ReplaceLineEndings(""));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task Reads_a_SQLite_log_that_kodiak_serve_wrote()
    {
        using var temp = new TempFolder();
        string file = Path.Combine(temp.Path, "bears.db");
        var now = DateTimeOffset.UtcNow;
        await using (var log = PredictionLog.Open(file))
            await log.WriteAsync([.. Enumerable.Range(0, 30).Select(i => new LoggedPrediction(now.AddMinutes(-i), $"r{i}", "bears", "abc", "primary",
                i % 3 == 0 ? "teddy" : "grizzly", new Dictionary<string, float> { ["grizzly"] = 0.5f, ["teddy"] = 0.5f }, null, null, 10, null, "00", null))]);

        var (code, output, error) = await CliRunner.RunAsync("monitor", file, "--since", "2h");

        Assert.True(code == 0, error);
        Assert.Contains("30 predictions", output);
        Assert.Contains("teddy", output);
    }

    [Fact]
    public async Task Prints_the_classes_against_a_past_window_and_the_alarm_of_a_planned_shift()
    {
        var (code, output, error) = await RunAsync(Shifted(), "monitor", "planted.db", "--since", "2026-11-02T12:00Z", "--baseline-since", "2026-11-02", "--min-count", "50");

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("4800 predictions from 2026-11-02 12:00 UTC to 2026-11-03 12:00 UTC", output);
        Assert.Contains("Baseline: 2026-11-02 00:00 UTC to 2026-11-02 12:00 UTC (2400 predictions)", output);
        Assert.Contains("grizzly", output);
        Assert.Contains("3 alarm(s):", output);
        Assert.Contains("- ShareUp grizzly is ", output.ReplaceLineEndings(" "));
        Assert.Contains("of predictions from 2026-11-03 00:00 UTC", output.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task Json_is_the_report_with_its_alarms()
    {
        var (code, output, _) = await RunAsync(Shifted(), "monitor", "planted.db", "--since", "2d", "--baseline-since", "2d", "--baseline-until", "2026-11-02T12:00Z", "--json");

        using var report = JsonDocument.Parse(output);
        Assert.Equal(0, code);
        Assert.Equal(36 * 200, report.RootElement.GetProperty("Total").GetInt32());
        var up = report.RootElement.GetProperty("Alarms").EnumerateArray().Single(a => a.GetProperty("Kind").GetString() == "ShareUp");
        Assert.Equal("grizzly", up.GetProperty("Class").GetString());
        Assert.Equal(Start.AddHours(24), up.GetProperty("Started").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_huge_since_range_and_a_jumping_clock_get_notes_not_a_crash()
    {
        var rows = PlannedTraffic.Steady(36, 20);
        rows.Add(PlannedTraffic.Row(Start.AddYears(-30), "black", id: 1));
        rows.Add(PlannedTraffic.Row(Now.AddDays(400), "teddy", id: 2));

        var (code, output, _) = await RunAsync(rows, "monitor", "planted.db", "--since", "1000000000d", "--until", "9999-01-01");

        Assert.Equal(0, code);
        string text = output.ReplaceLineEndings(" ");
        Assert.Contains("note: The report spans ", text);
        Assert.Contains("hour buckets are 132 hours long", text);
        Assert.Contains("note: 1 prediction(s) are dated after now (2026-11-03 12:00 UTC)", text);
        Assert.Contains("No alarms.", text);
    }

    [Fact]
    public async Task A_time_that_is_no_time_is_refused_with_what_is_accepted()
    {
        var (code, _, error) = await RunAsync([], "monitor", "planted.db", "--since", "last tuesday");

        Assert.Equal(1, code);
        Assert.Contains("--since 'last tuesday' is neither a time", error.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task A_bundle_without_validation_counts_is_no_baseline_and_says_what_to_use()
    {
        using var temp = new TempFolder();
        string bundle = ColourModel.Write(Path.Combine(temp.Path, "colours.kodiak"));

        var (code, _, error) = await RunAsync(Shifted(), "monitor", "planted.db", "--baseline", bundle);

        Assert.Equal(1, code);
        Assert.Contains("recorded no validation images: choose a past window with --baseline-since.", error.ReplaceLineEndings(""));
    }

    /// <summary>A day and a half of 200 predictions an hour; from the second day grizzly is 80% of them.</summary>
    static List<LoggedPrediction> Shifted() =>
        PlannedTraffic.Rows(Start, 36, 200, hour => hour < 24 ? [1 / 3.0, 1 / 3.0, 1 / 3.0] : [0.1, 0.8, 0.1]);

    /// <summary>Runs <c>kodiak monitor</c> over <paramref name="rows"/> at <see cref="Now"/>.</summary>
    static async Task<(int ExitCode, string Out, string Error)> RunAsync(List<LoggedPrediction> rows, params string[] args)
    {
        var log = new InMemoryPredictionSource("planted.db");
        log.Add(rows);
        var output = new StringWriter();
        var error = new StringWriter();
        var terminal = new Terminal(output, error, rich: false);
        var root = new RootCommand { MonitorCommand.Create(terminal, path => path == "planted.db" ? log : throw new FileNotFoundException(path), new FixedTime(Now)) };
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
