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
/// SIGTERM stops it gracefully (see <see cref="ServeOptions.ShutdownTimeout"/>). <c>kodiak-serve health [URL]</c> asks a running
/// one's <c>/healthz</c> (exit 0 when it answers 200): the container's health check, as the minimal base image has no curl.
/// </summary>
internal static class Program
{
    /// <summary>Serves until SIGTERM or Ctrl+C; 1, with the reason on standard error, when the model or the address is unusable.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is ["health", .. var rest])
            return await HealthAsync(rest is [var url] ? url : "http://127.0.0.1:8080");

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

    /// <summary>0 when <c>/healthz</c> at <paramref name="url"/> answers 200 within 5 s, else 1 with the reason.</summary>
    static async Task<int> HealthAsync(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var answer = await client.GetAsync(new Uri(new Uri(url), "/healthz"));
            if (answer.IsSuccessStatusCode)
                return 0;
            await Console.Error.WriteLineAsync($"kodiak-serve health: {url} answered {(int)answer.StatusCode}.");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await Console.Error.WriteLineAsync($"kodiak-serve health: {url}: {e.Message}");
        }

        return 1;
    }
}
