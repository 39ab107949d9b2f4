using System.CommandLine;
using System.Text.Json;
using Kodiak.Gathering;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak search "grizzly bear"</c>: image URLs from a search provider, one per line (or JSON).</summary>
internal static class SearchCommand
{
    public static Command Create(Terminal terminal)
    {
        var query = new Argument<string>("QUERY") { Description = "What to search for, e.g. \"grizzly bear\"." };
        var provider = WebOptions.Provider();
        var max = WebOptions.Max();
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {url, thumbnail, width, height, licence, creator, source_page, provider}." };
        var endpoint = WebOptions.Endpoint();
        var contact = WebOptions.Contact();
        var command = new Command("search", "Search the web for images and print their URLs, one per line.") { query, provider, max, json, endpoint, contact };
        WebOptions.Validate(endpoint, max);
        command.SetAction(parse => terminal.Run(() =>
        {
            using var fetcher = new Fetcher(new GatherOptions { Notice = WebOptions.Notices(terminal), Contact = parse.GetValue(contact) });
            var search = ImageSearch.Create(parse.GetValue(provider)!, fetcher, WebOptions.EndpointUrl(parse.GetValue(endpoint)));
            var (results, stopped) = Collect(search, parse.GetValue(query)!, parse.GetValue(max)).GetAwaiter().GetResult();
            // Nothing found is nothing to print; a search stopped after some pages still prints them, with the reason.
            if (stopped is not null && results.Count == 0) throw stopped;
            if (parse.GetValue(json))
                terminal.Raw.WriteLine(JsonSerializer.Serialize(results.Select(r => new
                {
                    url = r.Url, thumbnail = r.Thumbnail, width = r.Width, height = r.Height, licence = r.Licence, creator = r.Creator, source_page = r.SourcePage,
                    provider = r.Provider ?? search.Name,
                })));
            else
                foreach (var result in results)
                    terminal.Raw.WriteLine(result.Url);
            string from = string.Join(", ", results.GroupBy(r => r.Provider ?? search.Name).Select(g => $"{g.Key} {g.Count()}"));
            terminal.Error.MarkupLineInterpolated($"{results.Count} results from {(results.Count == 0 ? search.Name : from)}.");
            if (stopped is not null) terminal.Error.MarkupLineInterpolated($"[yellow]search stopped:[/] {stopped.Message}");
        }));
        return command;
    }

    static async Task<(List<ImageResult> Results, ImageSearchException? Stopped)> Collect(IImageSearch search, string query, int max)
    {
        var results = new List<ImageResult>();
        try
        {
            await foreach (var result in search.SearchAsync(query, max))
                results.Add(result);
            return (results, null);
        }
        catch (ImageSearchException e)
        {
            return (results, e);
        }
    }
}
