using System.CommandLine;
using Kodiak.Monitoring;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak review export LOG DATA</c>: reviewed production images into the data set's class folders.</summary>
internal static class ReviewCommand
{
    public static Command Create(Terminal terminal)
    {
        var log = new Argument<string>("LOG") { Description = "The prediction log with the review queue: a SQLite file (kodiak serve --log FILE.db --review) or a PostgreSQL connection string." };
        var data = new Argument<string>("DATA") { Description = "The data folder: each image goes into DATA/<label>/, with a line in its manifest.jsonl." };
        var export = new Command("export", "Copy the confirmed and corrected images of the review queue into DATA/<label>/ (never overwriting; a second export adds nothing).")
        {
            log, data,
        };
        export.SetAction((parse, cancellation) => ExportAsync(terminal, parse.GetValue(log)!, parse.GetValue(data)!, cancellation));
        return new Command("review", "The review queue of kodiak serve --review.") { export };
    }

    static async Task<int> ExportAsync(Terminal terminal, string log, string data, CancellationToken cancellation)
    {
        ReviewExport.Result result;
        try
        {
            if (!log.Contains('=') && !File.Exists(log))
                throw new FileNotFoundException($"No prediction log at '{Path.GetFullPath(log)}' (kodiak serve --log FILE.db --review writes one).", log);
            await using var queue = PredictionLog.OpenReviewQueue(log);
            result = await ReviewExport.RunAsync(queue, data, cancellation);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException or System.Data.Common.DbException)
        {
            terminal.Fail(e.Message);
            return 1;
        }

        int copied = result.Copied.Values.Sum();
        terminal.Raw.WriteLine(copied == 0
            ? $"Nothing new to export ({result.AlreadyThere} exported before, {result.NoneOfThese} none of these)."
            : $"Exported {copied} image(s) into {Path.GetFullPath(data)}: {string.Join(", ", result.Copied.Select(c => $"{c.Key} {c.Value}"))}"
              + $" ({result.AlreadyThere} exported before, {result.NoneOfThese} none of these).");
        return 0;
    }
}
