using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kodiak.Testing;

/// <summary>
/// A throwaway PostgreSQL server: Debian's <c>postgresql</c> binaries, <c>initdb</c> into a temp folder, <c>postgres</c> on a
/// free port of 127.0.0.1 with its socket in that folder, run as the <c>postgres</c> user when the tests run as root (the
/// server refuses root); stopped and deleted on dispose. Each test takes a database of its own (<see cref="CreateDatabase"/>).
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    const string User = "kodiak";

    readonly string _bin;
    readonly string _folder;
    readonly string _data;
    readonly string? _runAs;
    int _databases;

    public PostgresCluster()
    {
        _bin = FindBinaries();
        _folder = Directory.CreateTempSubdirectory("kodiak-pg-").FullName;
        _data = System.IO.Path.Combine(_folder, "data");
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
        {
            _runAs = "postgres";
            Run("chown", ["postgres:", _folder], asServer: false);
        }

        Port = FreePort();
        // Trust on loopback: a test cluster, gone when the tests end. No fsync: nothing here must survive the machine.
        Run(Tool("initdb"), ["-D", _data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync"]);
        Start();
    }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>True while the server runs.</summary>
    public bool Running { get; private set; }

    /// <summary>Starts the server (again, after <see cref="Stop"/>) and waits until it takes connections; nothing when it runs.</summary>
    public void Start()
    {
        if (Running)
            return;
        Run(Tool("pg_ctl"), ["start", "-w", "-t", "60", "-D", _data, "-l", System.IO.Path.Combine(_folder, "server.log"),
            "-o", $"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"]);
        Running = true;
    }

    /// <summary>Stops the server at once (open connections are cut), as a database going away would; nothing when it is stopped.</summary>
    public void Stop()
    {
        if (!Running)
            return;
        Run(Tool("pg_ctl"), ["stop", "-w", "-m", "fast", "-D", _data]);
        Running = false;
    }

    /// <summary>A new, empty database, and the connection string that reaches it.</summary>
    public string CreateDatabase()
    {
        string name = $"test{Interlocked.Increment(ref _databases)}";
        Run(Tool("createdb"), ["-h", "127.0.0.1", "-p", $"{Port}", "-U", User, name]);
        return ConnectionString(name);
    }

    /// <summary>The connection string of <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username={User};Database={database}";

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    string Tool(string name) => System.IO.Path.Combine(_bin, name);

    /// <summary>The newest installed PostgreSQL's bin folder.</summary>
    static string FindBinaries() =>
        (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [])
        .Select(d => System.IO.Path.Combine(d, "bin"))
        .Where(bin => File.Exists(System.IO.Path.Combine(bin, "initdb")))
        .OrderByDescending(bin => int.TryParse(System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(bin)), out int v) ? v : 0)
        .FirstOrDefault()
        ?? throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql (.ci/run does so).");

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    void Run(string program, string[] args, bool asServer = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asServer && _runAs is not null)
        {
            start.FileName = "runuser";
            foreach (string a in (string[])["-u", _runAs, "--", program])
                start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = program;
        }

        foreach (string a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        // Read while waiting, so that a tool printing much cannot block on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} did not finish within 90 s.");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error.Result}{output.Result}");
    }
}
