using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.Server.Tests;

[Collection(ServerFixture.Collection)]
public sealed class UploadTimeoutTests(ServerFixture server)
{
    [Fact]
    public async Task An_upload_that_stops_arriving_is_408_after_the_time_limit_and_frees_its_place()
    {
        await using var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"],
            new ServeOptions { Model = server.Sample.Bundle, UploadTimeout = TimeSpan.FromSeconds(1) });
        await app.StartAsync();
        var url = new Uri(app.Urls.Single());
        var batcher = app.Services.GetRequiredService<IModelRouter>().Models[0].Batcher;

        // A client that announces 1000 bytes, sends 10 and then nothing.
        using var client = new TcpClient();
        await client.ConnectAsync(url.Host, url.Port);
        var connection = client.GetStream();
        await connection.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/predict HTTP/1.1\r\nHost: {url.Authority}\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n0123456789"));
        string answer = await ReadAnswer(connection);

        Assert.StartsWith("HTTP/1.1 408", answer);
        Assert.Contains("The upload did not arrive within 1 s", answer);
        Assert.Equal(0, batcher.Admitted);
    }

    /// <summary>The response's status line, headers and body (chunked or not), read to its end.</summary>
    static async Task<string> ReadAnswer(NetworkStream connection)
    {
        // Only a guard so that a server that never answers fails the test instead of hanging it.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        int read;
        while (!Complete(answer.ToString()) && (read = await connection.ReadAsync(buffer, guard.Token)) > 0)
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        return answer.ToString();
    }

    static bool Complete(string answer)
    {
        int headersEnd = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headersEnd < 0)
            return false;
        var length = System.Text.RegularExpressions.Regex.Match(answer[..headersEnd], @"(?im)^content-length:\s*(\d+)");
        return length.Success
            ? Encoding.UTF8.GetByteCount(answer[(headersEnd + 4)..]) >= int.Parse(length.Groups[1].Value)
            : answer.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }
}
