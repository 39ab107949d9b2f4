using Kodiak.Server;
using Kodiak.Vision.Codecs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Kodiak.ServeHost;

/// <summary>
/// <c>kodiak-serve</c>: what <c>kodiak serve</c> serves, without TorchSharp, training or the <c>kodiak</c> command, for
/// replicas and containers. Its settings are <see cref="ServeOptions"/>' properties, read by ASP.NET Core's configuration
/// (<see cref="KodiakServer.Build"/>): on the command line (<c>--Model m.kodiak --Log "Host=…" --urls http://0.0.0.0:8080</c>)
/// or as environment variables (<c>Model</c>, <c>Log</c>, <c>ASPNETCORE_URLS</c>), so a Kubernetes Secret can give them.
/// SIGTERM stops it gracefully: see <see cref="KodiakServer"/>.
/// </summary>
internal static class Program
{
    /// <summary>Serves until SIGTERM or Ctrl+C; 1, with the reason on standard error, when the model or the address is unusable.</summary>
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = KodiakServer.Build(args);
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or ImageDecodeException)
        {
            await Console.Error.WriteLineAsync($"kodiak-serve: {e.Message}");
            return 1;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"kodiak-serve: {e.Message}"); // e.g. the address is already in use
                return 1;
            }

            Console.WriteLine(KodiakServer.Describe(app));
            await app.WaitForShutdownAsync();
        }

        return 0;
    }
}
