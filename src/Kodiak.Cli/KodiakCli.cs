using System.CommandLine;
using Kodiak.Cli.Commands;

namespace Kodiak.Cli;

/// <summary>The <c>kodiak</c> command line: one subcommand per step of the workflow.</summary>
internal static class KodiakCli
{
    public static RootCommand Create(Terminal terminal) =>
        new("Kodiak: from folders of labelled images to a deployed image classifier.")
        {
            CleanCommand.Create(terminal),
            DemoCommand.Create(terminal),
            SearchCommand.Create(terminal),
            GatherCommand.Create(terminal),
            DownloadCommand.Create(terminal),
            ExportCommand.Create(terminal),
            VerifyCommand.Create(terminal),
            LrFindCommand.Create(terminal),
            PredictCommand.Create(terminal),
            ServeCommand.Create(terminal),
            ShowBatchCommand.Create(terminal),
            TrainCommand.Create(terminal),
            MonitorCommand.Create(terminal),
            ReviewCommand.Create(terminal),
            RolloutCommand.Create(terminal),
        };

    public static Task<int> RunAsync(string[] args, Terminal terminal, CancellationToken cancellation = default) =>
        Create(terminal).Parse(args).InvokeAsync(new InvocationConfiguration
        {
            Output = terminal.Raw,
            Error = terminal.RawError,
            // Commands that can stop gracefully (train, gather, download) handle Ctrl+C themselves; the parser's own
            // handling would end the process two seconds later, before the weights are saved.
            ProcessTerminationTimeout = null,
        }, cancellation);
}
