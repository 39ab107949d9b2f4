using System.Text.Json;
using System.Text.Json.Serialization;
using Kodiak.Gathering;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>
/// Where a command writes: Spectre consoles for people, and the raw standard output for
/// machine-readable results (JSON), so tests can capture both.
/// </summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, TextWriter error, bool rich)
    {
        Raw = output;
        RawError = error;
        Out = Create(output, rich);
        Error = Create(error, rich);
    }

    /// <summary>The process's own console, with colours where the terminal supports them.</summary>
    public static Terminal System => new(Console.Out, Console.Error, rich: true);

    /// <summary>Human-readable output.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Errors and progress that must not mix into machine-readable output.</summary>
    public IAnsiConsole Error { get; }

    /// <summary>Standard output as plain text, for JSON.</summary>
    public TextWriter Raw { get; }

    /// <summary>Standard error as plain text, for the parser's own messages.</summary>
    public TextWriter RawError { get; }

    /// <summary>
    /// JSON as the CLI writes it for people and scripts: indented, with NaN (an empty validation set, a diverged
    /// run) written as "NaN" rather than failing.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes <paramref name="value"/> to standard output as <see cref="Json"/>.</summary>
    public void WriteJson<T>(T value) => Raw.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Prints an error in the user's words, naming what was wrong.</summary>
    public void Fail(string message) => Error.MarkupLineInterpolated($"[red]error:[/] {message}");

    /// <summary>
    /// Runs a command's work, turning errors about the user's files and folders (or a search provider
    /// that cannot be used) into a plain message and exit code 1; anything else is a bug and keeps its stack trace.
    /// </summary>
    public int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or DirectoryNotFoundException or FileNotFoundException or ImageSearchException)
        {
            Fail(e.Message);
            return 1;
        }
    }

    /// <summary>
    /// Like <see cref="Run"/> for long work that can stop gracefully: the first Ctrl+C cancels the token
    /// (the work finishes <paramref name="what"/> and saves what it has), a second one ends the process at once.
    /// Returns 130, the shell's code for "stopped by Ctrl+C", when the work was stopped.
    /// </summary>
    /// <param name="what">When the work stops, in the message: "after this batch".</param>
    /// <param name="work">The work, given the token to watch.</param>
    public int RunStoppable(string what, Action<CancellationToken> work)
    {
        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            if (stop.IsCancellationRequested) return;
            e.Cancel = true;
            stop.Cancel();
            Error.MarkupLineInterpolated($"[yellow]Stopping {what}[/] (Ctrl+C again to quit at once)…");
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            int code = Run(() => work(stop.Token));
            return code == 0 && stop.IsCancellationRequested ? InterruptedExitCode : code;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }

    // 128 + SIGINT, so scripts can tell.
    const int InterruptedExitCode = 130;

    static IAnsiConsole Create(TextWriter writer, bool rich)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = rich ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = rich ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = rich ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!rich) console.Profile.Width = 160;
        return console;
    }
}
