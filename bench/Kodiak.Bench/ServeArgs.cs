using Microsoft.AspNetCore.Builder;

namespace Kodiak.Bench;

/// <summary>The command line the serving benchmarks share: <c>MODEL [--images FOLDER] [--seconds S] [--precision int8|fp32]</c>.</summary>
/// <param name="Model">The bundle to serve.</param>
/// <param name="Folder">The images sent, in turn.</param>
/// <param name="Seconds">Load time per cell.</param>
/// <param name="Precision">The model variant served; null: the server's default (int8 when the bundle has it).</param>
internal sealed record ServeArgs(string Model, string Folder, double Seconds, string? Precision = null)
{
    /// <summary>Ends a serve benchmark's run: its clients, then its servers (stopped so their batchers drain).</summary>
    public static async Task StopAsync(IEnumerable<WebApplication> apps, IEnumerable<HttpClient> clients)
    {
        foreach (var client in clients)
            client.Dispose();
        foreach (var app in apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The arguments, or null after saying on stderr what is wrong.</summary>
    /// <param name="command">The benchmark's name, for messages.</param>
    /// <param name="args">Its arguments.</param>
    public static ServeArgs? Parse(string command, string[] args)
    {
        double seconds = 10;
        string folder = "samples/clipart";
        string? model = null, precision = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds" && i + 1 < args.Length && double.TryParse(args[++i], out seconds) && seconds > 0)
                continue;
            if (args[i] == "--images" && i + 1 < args.Length)
            {
                folder = args[++i];
                continue;
            }

            if (args[i] == "--precision" && i + 1 < args.Length)
            {
                precision = args[++i];
                continue;
            }

            if (model is null && !args[i].StartsWith("--", StringComparison.Ordinal))
            {
                model = args[i];
                continue;
            }

            Console.Error.WriteLine($"{command}: unexpected argument '{args[i]}'");
            return null;
        }

        if (model is null)
        {
            Console.Error.WriteLine($"{command}: give the model, e.g. kodiak-demo/model.kodiak (written by `kodiak demo --no-serve`)");
            return null;
        }

        return new ServeArgs(model, folder, seconds, precision);
    }
}
