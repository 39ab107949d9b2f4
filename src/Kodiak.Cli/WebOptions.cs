using System.CommandLine;
using Kodiak.Gathering;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>The options shared by the commands that go on the web: provider, endpoint, and the downloader's limits.</summary>
internal static class WebOptions
{
    public static Option<string> Provider() => new Option<string>("--provider")
    {
        Description = $"Image search provider: {string.Join(", ", ImageSearch.Choices)}. auto tries {string.Join(", ", ImageSearch.Providers)} in that order, "
            + "moving on when one refuses or runs dry; brave, pexels and flickr need a key in BRAVE_SEARCH_KEY, PEXELS_API_KEY or FLICKR_API_KEY (auto skips those without).",
        DefaultValueFactory = _ => ImageSearch.Auto,
    }.AcceptOnlyFromAmong([.. ImageSearch.Choices]);

    /// <summary><c>--contact</c>: the user's e-mail or web page for the User-Agent, defaulting to <c>KODIAK_CONTACT</c>.</summary>
    public static Option<string?> Contact() => new("--contact")
    {
        Description = $"Your e-mail address or web page, added to the User-Agent as Wikimedia's User-Agent policy asks. Defaults to {GatherOptions.ContactVariable}.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(GatherOptions.ContactVariable),
    };

    public static Option<int> Max() => new("--max") { Description = "Most search results per query.", DefaultValueFactory = _ => 150 };

    public static Option<string?> Endpoint() => new("--endpoint") { Description = "Base URL replacing the provider's own (a proxy, or a test server)." };

    /// <summary>Adds the downloader's limits to <paramref name="command"/> and returns how to read them.</summary>
    public static Func<ParseResult, Terminal, GatherOptions> AddDownloadLimits(Command command)
    {
        var parallel = new Option<int>("--parallel") { Description = "Downloads at the same time.", DefaultValueFactory = _ => GatherOptions.Default.Parallelism };
        var timeout = new Option<double>("--timeout") { Description = "Seconds one request may take.", DefaultValueFactory = _ => GatherOptions.Default.Timeout.TotalSeconds };
        var retries = new Option<int>("--retries") { Description = "Retries after a timeout, a lost connection, 429 or 5xx.", DefaultValueFactory = _ => GatherOptions.Default.Retries };
        var maxSize = new Option<int>("--max-size") { Description = "Largest image kept, in MB.", DefaultValueFactory = _ => (int)(GatherOptions.Default.MaxImageBytes / (1024 * 1024)) };
        var contact = Contact();
        command.Add(contact);
        command.Add(parallel);
        command.Add(timeout);
        command.Add(retries);
        command.Add(maxSize);
        AtLeast(parallel, 1, "--parallel must be at least 1.");
        AtLeast(timeout, double.Epsilon, "--timeout must be more than 0 seconds.");
        AtLeast(retries, 0, "--retries cannot be negative.");
        AtLeast(maxSize, 1, "--max-size must be at least 1 MB.");
        return (parse, terminal) => new GatherOptions
        {
            Parallelism = parse.GetValue(parallel),
            Timeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
            Retries = parse.GetValue(retries),
            MaxImageBytes = parse.GetValue(maxSize) * 1024L * 1024,
            Notice = Notices(terminal),
            Contact = parse.GetValue(contact),
        };
    }

    /// <summary>Checks <c>--endpoint</c> and <c>--max</c> in the parser, so mistakes show with the usage.</summary>
    public static void Validate(Option<string?> endpoint, Option<int> max)
    {
        endpoint.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } url && EndpointUrl(url) is null)
                result.AddError($"--endpoint must be an http or https URL, not '{url}'.");
        });
        AtLeast(max, 1, "--max must be at least 1.");
    }

    static void AtLeast<T>(Option<T> option, T least, string message) where T : IComparable<T> =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<T>().CompareTo(least) < 0) result.AddError(message);
        });

    public static Uri? EndpointUrl(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;

    /// <summary>Retries and provider switches are said on standard error, one line each, from whichever thread hits them.</summary>
    public static Action<string> Notices(Terminal terminal)
    {
        var gate = new Lock();
        return notice =>
        {
            lock (gate) terminal.Error.MarkupLineInterpolated($"[yellow]note:[/] {notice}");
        };
    }
}
