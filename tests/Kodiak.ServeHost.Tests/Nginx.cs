using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kodiak.Testing;

namespace Kodiak.ServeHost.Tests;

/// <summary>
/// Debian's nginx in front of the replicas, from a config in a temp folder, on a free port of 127.0.0.1: round-robin, and a
/// request whose upstream fails (refused, reset, 502, 503) sent to the next one, POSTs too (<c>non_idempotent</c>), each with
/// <c>X-Request-Id: $request_id</c>. Stopped and deleted on dispose.
/// </summary>
internal sealed class Nginx : IDisposable
{
    readonly TempFolder _folder = new();
    readonly Process _process;

    public Nginx(IEnumerable<int> upstreams)
    {
        string nginx = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        Port = FreePort();
        string dir = _folder.Path;
        string config = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(config, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{dir}}/body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                upstream kodiak {
            {{string.Concat(upstreams.Select(p => $"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n"))}}    }
                server {
                    listen 127.0.0.1:{{Port}};
                    client_max_body_size 20m;
                    location / {
                        proxy_pass http://kodiak;
                        proxy_set_header X-Request-Id $request_id;
                        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
                        proxy_connect_timeout 2s;
                        proxy_read_timeout 60s;
                    }
                }
            }
            """);
        _process = Process.Start(new ProcessStartInfo(nginx) { ArgumentList = { "-p", dir, "-c", config }, RedirectStandardError = true })!;
        WaitUntilListening();
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}");

    /// <summary>What nginx wrote to its error log (retries to the next upstream are there).</summary>
    public string ErrorLog => File.Exists(Path.Combine(_folder.Path, "error.log")) ? File.ReadAllText(Path.Combine(_folder.Path, "error.log")) : "";

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _folder.Dispose();
    }

    void WaitUntilListening()
    {
        for (int tries = 0; tries < 100; tries++)
        {
            if (_process.HasExited)
                Assert.Fail($"nginx ended with {_process.ExitCode}: {_process.StandardError.ReadToEnd()} {ErrorLog}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }

        Assert.Fail($"nginx did not listen on {Port}: {ErrorLog}");
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
