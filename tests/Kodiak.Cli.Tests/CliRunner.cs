namespace Kodiak.Cli.Tests;

/// <summary>Runs the <c>kodiak</c> command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await KodiakCli.RunAsync(args, new Terminal(output, error, rich: false));
        return (code, output.ToString(), error.ToString());
    }
}
