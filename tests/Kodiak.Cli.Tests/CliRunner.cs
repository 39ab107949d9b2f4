namespace Kodiak.Cli.Tests;

/// <summary>Runs the <c>kodiak</c> command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    /// <summary>Runs until the command ends or <paramref name="cancellation"/> stops it (as Ctrl+C would).</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string[] args, CancellationToken cancellation)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await KodiakCli.RunAsync(args, new Terminal(output, error, rich: false), cancellation);
        return (code, output.ToString(), error.ToString());
    }
}
