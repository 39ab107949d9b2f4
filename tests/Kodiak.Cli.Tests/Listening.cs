using System.Net;
using System.Net.Sockets;

namespace Kodiak.Cli.Tests;

/// <summary>For tests of the commands that serve a web app until stopped.</summary>
internal static class Listening
{
    /// <summary>A port nothing listens on just now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <c>/healthz</c> answers, failing if the command ends first or takes over 60 s.</summary>
    public static Task WaitUntilUp(HttpClient client, Task<(int ExitCode, string Out, string Error)> serving) =>
        WaitUntilUp(client, async () => serving.IsCompleted ? $"{await serving}" : null);

    /// <summary>Waits until <c>/healthz</c> answers, failing if <paramref name="ended"/> says the server ended or it takes over 60 s.</summary>
    /// <param name="client">A client for the server's address.</param>
    /// <param name="ended">What the server left behind once it has ended (its output), or null while it runs.</param>
    public static async Task WaitUntilUp(HttpClient client, Func<Task<string?>> ended)
    {
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(60); waited += TimeSpan.FromMilliseconds(100))
        {
            if (await ended() is { } output)
                Assert.Fail($"The command ended early: {output}");
            try
            {
                using var health = await client.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        Assert.Fail("The command did not answer /healthz within 60 s.");
    }
}
