using System.CommandLine;
using Kodiak.Gathering;
using Kodiak.Vision.Files;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak gather OUT --classes grizzly,black,teddy --suffix " bear"</c>: a data set folder per class from an image search.</summary>
internal static class GatherCommand
{
    public static Command Create(Terminal terminal)
    {
        var output = new Argument<string>("OUT") { Description = "Data set folder; each class gets a subfolder." };
        var classes = new Option<string>("--classes") { Description = "Class names, comma-separated, e.g. grizzly,black,teddy.", Required = true };
        var suffix = new Option<string>("--suffix") { Description = "Added to each class name to make the query, e.g. \" bear\".", DefaultValueFactory = _ => "" };
        var max = WebOptions.Max();
        var provider = WebOptions.Provider();
        var endpoint = WebOptions.Endpoint();
        var command = new Command("gather", "Search, download and verify images into OUT/<class>/; a re-run resumes.")
        {
            output, classes, suffix, max, provider, endpoint,
        };
        var limits = WebOptions.AddDownloadLimits(command);
        WebOptions.Validate(endpoint, max);
        command.Validators.Add(result =>
        {
            var names = Split(result.GetValue(classes));
            foreach (string problem in names.Select(ImageFiles.ClassNameProblem).OfType<string>().Distinct())
                result.AddError($"--classes: {problem}.");
            foreach (string repeated in names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key))
                result.AddError($"--classes: '{repeated}' is given more than once.");
        });
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            return terminal.RunStoppable("after the downloads in flight", stop =>
            {
                using var fetcher = new Fetcher(limits(parse, terminal));
                var search = ImageSearch.Create(parse.GetValue(provider)!, fetcher, WebOptions.EndpointUrl(parse.GetValue(endpoint)));
                var display = new DownloadDisplay(terminal.Out);
                var reports = display.RunAsync(() => new Gatherer(search, fetcher).GatherAsync(
                    folder, Split(parse.GetValue(classes)), parse.GetValue(suffix)!, parse.GetValue(max), display, stop)).GetAwaiter().GetResult();
                display.Summary(reports, folder, stop.IsCancellationRequested);
            });
        });
        return command;
    }

    static string[] Split(string? classes) => (classes ?? "").Split(',', StringSplitOptions.TrimEntries);
}
