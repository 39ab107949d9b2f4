using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>
/// The first Ctrl+C cancels <see cref="Token"/> so the command can stop cleanly; a second one ends the process at once.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    /// <summary>The shell's convention for "stopped by Ctrl+C" (128 + SIGINT), so scripts can tell.</summary>
    public const int InterruptedExitCode = 130;

    readonly CancellationTokenSource _stop = new();
    readonly ConsoleCancelEventHandler _handler;

    public CtrlC(Terminal terminal, string what)
    {
        _handler = (_, e) =>
        {
            if (_stop.IsCancellationRequested) return;
            e.Cancel = true;
            _stop.Cancel();
            terminal.Error.MarkupLineInterpolated($"[yellow]Stopping {what}[/] (Ctrl+C again to quit at once)…");
        };
        Console.CancelKeyPress += _handler;
    }

    public CancellationToken Token => _stop.Token;

    public bool Pressed => _stop.IsCancellationRequested;

    public void Dispose()
    {
        Console.CancelKeyPress -= _handler;
        _stop.Dispose();
    }
}
