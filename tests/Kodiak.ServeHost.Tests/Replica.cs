using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Kodiak.ServeHost.Tests;

/// <summary>
/// One kodiak-serve process from the publish, on a free port of 127.0.0.1, run with no <c>dotnet</c> on its <c>PATH</c> and no
/// <c>DOTNET_ROOT</c>, as on a machine without .NET; killed on dispose if it still runs.
/// </summary>
internal sealed class Replica : IDisposable
{
    const int SigTerm = 15;

    readonly Process _process;
    readonly StringBuilder _output = new();

    Replica(Process process, int port)
    {
        _process = process;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri Url { get; }

    /// <summary>What it printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>The <c>PATH</c> it runs with: the test's, less every folder that holds a <c>dotnet</c>.</summary>
    public static string PathWithoutDotnet() => string.Join(':', (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Where(folder => !File.Exists(System.IO.Path.Combine(folder, "dotnet"))));

    /// <summary>Starts it with <paramref name="arguments"/> (ServeOptions' names) and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<Replica> StartAsync(PublishedServer server, params string[] arguments)
    {
        int port = FreePort();
        var start = new ProcessStartInfo(server.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = server.Folder,
        };
        foreach (string argument in arguments.Concat(["--urls", $"http://127.0.0.1:{port}"]))
            start.ArgumentList.Add(argument);
        start.Environment["PATH"] = PathWithoutDotnet();
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("MSBUILD", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        var replica = new Replica(Process.Start(start)!, port);
        try
        {
            await replica.WaitUntilReadyAsync();
        }
        catch
        {
            replica.Dispose();
            throw;
        }

        return replica;
    }

    /// <summary><c>kill -9</c>: gone at once, nothing flushed.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, as Kubernetes stops a pod: it should drain and exit by itself.</summary>
    public void Terminate() => Assert.Equal(0, Kill(_process.Id, SigTerm));

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }

    async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(5) };
        for (var waited = TimeSpan.Zero; waited < TimeSpan.FromSeconds(90); waited += TimeSpan.FromMilliseconds(100))
        {
            if (_process.HasExited)
                Assert.Fail($"kodiak-serve ended with {_process.ExitCode}: {Output}");
            try
            {
                using var ready = await client.GetAsync("/readyz");
                if (ready.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        Assert.Fail($"kodiak-serve was not ready within 90 s: {Output}");
    }

    void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output) _output.AppendLine(line);
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
