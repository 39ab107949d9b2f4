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
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {url, thumbnail, width, height, licence, creator, source_page}." };
        var endpoint = WebOptions.Endpoint();
        var command = new Command("search", "Search the web for images and print their URLs, one per line.") { query, provider, max, json, endpoint };
        WebOptions.Validate(endpoint, max);
        command.SetAction(parse => terminal.Run(() =>
        {
            using var fetcher = new Fetcher(new GatherOptions { Notice = WebOptions.Notices(terminal) });
            var search = ImageSearch.Create(parse.GetValue(provider)!, fetcher, WebOptions.EndpointUrl(parse.GetValue(endpoint)));
            var results = search.SearchAsync(parse.GetValue(query)!, parse.GetValue(max)).ToListAsync().AsTask().GetAwaiter().GetResult();
            if (parse.GetValue(json))
                terminal.Raw.WriteLine(JsonSerializer.Serialize(results.Select(r => new
                {
                    url = r.Url, thumbnail = r.Thumbnail, width = r.Width, height = r.Height, licence = r.Licence, creator = r.Creator, source_page = r.SourcePage,
                })));
            else
                foreach (var result in results)
                    terminal.Raw.WriteLine(result.Url);
            terminal.Error.MarkupLineInterpolated($"{results.Count} results from {search.Name}.");
        }));
        return command;
    }
}
