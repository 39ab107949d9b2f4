using System.CommandLine;
using Kodiak.Gathering;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak download URLS.txt OUT</c>: the downloader on a list of URLs, into one folder.</summary>
internal static class DownloadCommand
{
    public static Command Create(Terminal terminal)
    {
        var list = new Argument<string>("URLS") { Description = "Text file with one image URL per line (blank lines and lines starting with # are ignored)." };
        var output = new Argument<string>("OUT") { Description = "Folder for the images and their manifest.jsonl." };
        var command = new Command("download", "Download, verify and de-duplicate a list of image URLs into OUT; a re-run resumes.") { list, output };
        var limits = WebOptions.AddDownloadLimits(command);
        command.SetAction(parse =>
        {
            string file = parse.GetValue(list)!;
            string folder = parse.GetValue(output)!;
            if (!File.Exists(file))
            {
                terminal.Fail($"URL list not found: {file}");
                return 2;
            }

            return terminal.RunStoppable("after the downloads in flight", stop =>
            {
                var items = File.ReadLines(file).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'))
                    .Select(url => new DownloadItem(url)).ToList();
                using var fetcher = new Fetcher(limits(parse, terminal));
                var display = new DownloadDisplay(terminal.Out);
                var report = display.RunAsync(() => new ImageDownloader(fetcher).DownloadAsync(folder, items, display, stop)).GetAwaiter().GetResult();
                display.Summary([report], folder, stop.IsCancellationRequested);
            });
        });
        return command;
    }
}
