using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Kodiak.Cleaning;
using Kodiak.Inference;
using Kodiak.Server;
using Kodiak.Vision.Codecs;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary>
/// <c>kodiak clean MODEL.kodiak DATA</c>: the cleaner page in the browser; <c>--list</c>: the images a trained model
/// finds suspect, in the terminal; <c>kodiak clean DATA --delete PATH... --relabel PATH=CLASS...</c> and
/// <c>--undo [--all]</c>: undoable changes through the journal.
/// </summary>
internal static class CleanCommand
{
    static readonly string[] Kinds = ["loss", "mislabeled", "duplicates", "outliers"];

    public static Command Create(Terminal terminal)
    {
        var paths = new Argument<string[]>("[MODEL] DATA")
        {
            Description = "The exported model and the data folder it was trained on (the cleaner page, or --list); only the data folder with --delete, --relabel or --undo.",
            Arity = new ArgumentArity(1, 2),
        };
        var list = new Option<bool>("--list") { Description = "Print the suspect images, most suspect first (paths relative to DATA)." };
        var kind = new Option<string[]>("--kind") { Description = "Only these kinds: loss, mislabeled, duplicates, outliers (default: all).", AllowMultipleArgumentsPerToken = true };
        kind.AcceptOnlyFromAmong(Kinds);
        var top = new Option<int?>("--top") { Description = "How many of each kind to print (default 20)." };
        var label = new Option<string?>("--class") { Description = "Loss ranking of this class only." };
        var split = new Option<string?>("--split") { Description = "Loss ranking of train or valid only." };
        split.AcceptOnlyFromAmong("train", "valid");
        // Bounded below: a low value on a large folder counts millions of pairs, which say nothing about duplicates.
        var similarity = new Option<double>("--similarity")
        {
            Description = "Cosine similarity of features from which two images count as near-duplicates (0.8 to 1).",
            DefaultValueFactory = _ => Suspects.DefaultDuplicateSimilarity,
        }.Must(v => v is >= 0.8 and <= 1, "must be between 0.8 and 1");
        var json = new Option<bool>("--json") { Description = "Print JSON: {kind: [suspects]}." };
        var delete = new Option<string[]>("--delete") { Description = "Move these images to DATA/.kodiak-trash/.", AllowMultipleArgumentsPerToken = true };
        var relabel = new Option<string[]>("--relabel") { Description = "Move images to another class folder: PATH=CLASS.", AllowMultipleArgumentsPerToken = true };
        var undo = new Option<bool>("--undo") { Description = "Put back the files of the last batch of changes." };
        var all = new Option<bool>("--all") { Description = "With --undo: every batch in the journal." };
        var urls = ServeCommand.Urls();
        urls.Description = "Where the cleaner page listens (port 0 picks a free one); off loopback it asks for the admin token it prints.";
        var command = new Command("clean",
            "Review a data folder with a trained model in the browser (kodiak clean MODEL.kodiak DATA) or the terminal (--list), delete or relabel images, undo; every change is journaled in DATA/.kodiak-journal.jsonl.")
        {
            paths, list, kind, top, label, split, similarity, json, delete, relabel, undo, all, urls,
        };
        command.Validators.Add(result =>
        {
            bool changes = (result.GetValue(delete)?.Length ?? 0) + (result.GetValue(relabel)?.Length ?? 0) > 0;
            bool listing = result.GetValue(list), undoing = result.GetValue(undo);
            int modes = (listing ? 1 : 0) + (changes ? 1 : 0) + (undoing ? 1 : 0);
            bool serving = modes == 0;
            int count = result.GetValue(paths)?.Length ?? 0;
            if (modes > 1)
                result.AddError("Use one of --list, --delete/--relabel, --undo, or none of them to serve the cleaner page.");
            else if (serving && count != 2)
                result.AddError("The cleaner page needs the model and the data folder: kodiak clean MODEL.kodiak DATA [--urls URL] (with only DATA, use --delete/--relabel or --undo).");
            else if (listing && count != 2)
                result.AddError("--list needs the model and the data folder: kodiak clean MODEL.kodiak DATA --list.");
            else if (!serving && !listing && count != 1)
                result.AddError("--delete, --relabel and --undo need only the data folder: kodiak clean DATA ....");
            if (result.GetValue(all) && !undoing)
                result.AddError("--all goes with --undo.");
            if (!serving && result.GetResult(urls) is { Implicit: false })
                result.AddError("--urls goes with the cleaner page (kodiak clean MODEL.kodiak DATA), not with --list, --delete, --relabel or --undo.");
            if (!listing)
                foreach (var option in new Option[] { kind, top, label, split, json }.Where(o => result.GetResult(o) is { Implicit: false }))
                    result.AddError($"{option.Name} goes with --list.");
            if (!listing && !serving && result.GetResult(similarity) is { Implicit: false })
                result.AddError("--similarity goes with --list or the cleaner page.");
            if (result.GetValue(top) is < 1)
                result.AddError("--top must be at least 1.");
            if (result.GetValue(relabel)?.FirstOrDefault(r => r.LastIndexOf('=') is <= 0 || r.EndsWith('=')) is { } bad)
                result.AddError($"--relabel takes PATH=CLASS, not '{bad}'.");
        });
        command.SetAction((parse, cancellation) =>
        {
            string[] given = parse.GetValue(paths)!;
            if (!parse.GetValue(list) && !parse.GetValue(undo) && parse.GetValue(delete) is not { Length: > 0 } && parse.GetValue(relabel) is not { Length: > 0 })
                return Serve(terminal, new CleanerOptions { Model = given[0], Data = given[1], DuplicateSimilarity = parse.GetValue(similarity) },
                    parse.GetValue(urls)!, cancellation);
            return Task.FromResult(Run(terminal, () =>
            {
                if (parse.GetValue(list))
                    List(terminal, given[0], given[1], new ListOptions(parse.GetValue(kind) is { Length: > 0 } k ? k : Kinds, parse.GetValue(top) ?? 20,
                        parse.GetValue(label), parse.GetValue(split), parse.GetValue(similarity), parse.GetValue(json)));
                else if (parse.GetValue(undo))
                    Report(terminal, new DataCleaner(given[0]).Undo(parse.GetValue(all)), "Nothing to undo.");
                else
                    Report(terminal, new DataCleaner(given[0]).Apply(
                    [
                        .. (parse.GetValue(delete) ?? []).Select(CleaningChange.Delete),
                        .. (parse.GetValue(relabel) ?? []).Select(r => CleaningChange.Relabel(r[..r.LastIndexOf('=')], r[(r.LastIndexOf('=') + 1)..])),
                    ]), "Nothing to change.");
            }));
        });
        return command;
    }

    /// <summary>Scores the data and serves the cleaner page until Ctrl+C.</summary>
    static Task<int> Serve(Terminal terminal, CleanerOptions options, string urls, CancellationToken cancellation)
    {
        terminal.Out.WriteLine($"Scoring the images of {options.Data} with {options.Model}…");
        return ServeCommand.Host(terminal, () => KodiakCleaner.Build(["--urls", urls], options),
            app => [KodiakCleaner.Describe(app), $"Open {KodiakCleaner.PageUrl(app)} in a browser to review the suspects. Ctrl+C stops."], cancellation);
    }

    static int Run(Terminal terminal, Action action)
    {
        try
        {
            return terminal.Run(action);
        }
        catch (Exception e) when (e is CleaningRefusedException or ImageDecodeException)
        {
            terminal.Fail(e.Message);
            return 1;
        }
    }

    sealed record ListOptions(string[] Kinds, int Top, string? Label, string? Split, double Similarity, bool Json);

    static void List(Terminal terminal, string model, string data, ListOptions options)
    {
        using var predictor = Predictor.Load(model);
        var suspects = Suspects.Find(predictor, data);
        if (suspects.Images.Any(i => i.Split == DataSplit.Unknown))
            terminal.Error.MarkupLine("[yellow]warning:[/] the bundle does not record its validation set: every image shows split 'unknown' and train/valid leaks are not found.");
        if (options.Label is not null && !suspects.Classes.Contains(options.Label))
            throw new InvalidDataException($"--class '{options.Label}' is not one of the model's classes ({string.Join(", ", suspects.Classes)}).");
        DataSplit? split = options.Split is null ? null : Enum.Parse<DataSplit>(options.Split, ignoreCase: true);
        var sections = new Dictionary<string, (long Total, IEnumerable<object> Items)>();
        foreach (string kind in Kinds.Where(options.Kinds.Contains))
            sections[kind] = kind switch
            {
                "loss" => Section(suspects.Loss(options.Label, split), i => new { image = Image(i) }),
                "mislabeled" => Section(suspects.Mislabeled(), m => new { image = Image(m.Image), likely = m.LikelyClass, margin = Round(m.Margin) }),
                "duplicates" => Pairs(suspects.Duplicates(options.Similarity, options.Top)),
                _ => Section(suspects.Outliers(), o => new { image = Image(o.Image), nearest = o.NearestClass, distance = Round(o.Distance) }),
            };
        if (options.Json)
        {
            terminal.WriteJson(sections.ToDictionary(s => s.Key, s => s.Value.Items.Take(options.Top)));
            return;
        }

        foreach (var (kind, (total, items)) in sections)
        {
            terminal.Raw.WriteLine($"# {kind}: {Math.Min(options.Top, total)} of {total}");
            foreach (var item in items.Take(options.Top))
                terminal.Raw.WriteLine(Line(JsonSerializer.SerializeToElement(item)));
        }
    }

    /// <summary>A kind's suspects as printed, with how many there are in all (<paramref name="total"/> when only the first were kept).</summary>
    static (long Total, IEnumerable<object> Items) Section<T>(IReadOnlyList<T> suspects, Func<T, object> view, long? total = null) =>
        (total ?? suspects.Count, suspects.Select(view));

    static (long Total, IEnumerable<object> Items) Pairs(DuplicatePairs pairs) => Section(pairs, d => new
    {
        first = Image(d.First), second = Image(d.Second), similarity = Round(d.Similarity), acrossClasses = d.AcrossClasses, acrossSplits = d.AcrossSplits,
    }, pairs.Total);

    static object Image(ScoredImage image) => new
    {
        file = image.RelativePath, label = image.Label, split = image.Split.ToString().ToLowerInvariant(), predicted = image.Predicted,
        probability = Round(image.Probabilities.Max()), loss = Round(image.Loss),
    };

    static double Round(double value) => Math.Round(value, 4);

    /// <summary>A suspect as one text line: its fields separated by two spaces, images as "file (label, split, predicted p, loss l)".</summary>
    static string Line(JsonElement item) => string.Join("  ", item.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Object
        ? $"{p.Value.GetProperty("file")} ({p.Value.GetProperty("label")}, {p.Value.GetProperty("split")}, predicted {p.Value.GetProperty("predicted")} " +
          $"{p.Value.GetProperty("probability").GetDouble().ToString("0.000", CultureInfo.InvariantCulture)}, loss {p.Value.GetProperty("loss").GetDouble().ToString("0.000", CultureInfo.InvariantCulture)})"
        : $"{p.Name} {p.Value}"));

    static void Report(Terminal terminal, IReadOnlyList<JournalEntry> entries, string none)
    {
        foreach (var entry in entries)
            terminal.Raw.WriteLine($"{entry.Action}  {entry.From} -> {entry.To}");
        terminal.Raw.WriteLine(entries.Count == 0 ? none : $"batch {entries[0].Batch}: {entries.Count} file(s) moved; journal in {DataCleaner.JournalFile}.");
    }
}
