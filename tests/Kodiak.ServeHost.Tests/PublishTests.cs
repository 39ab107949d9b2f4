using System.Net;
using System.Text.Json;
using Kodiak.Testing;

namespace Kodiak.ServeHost.Tests;

/// <summary>The self-contained publish of kodiak-serve: what it holds and that it serves without .NET installed.</summary>
[Collection(PublishedServer.Collection)]
public sealed class PublishTests(PublishedServer server) : IDisposable
{
    readonly TempFolder _folder = new();

    [Fact]
    public async Task It_runs_with_no_dotnet_on_PATH_and_answers_a_prediction()
    {
        string bundle = ColourModel.Write(Path.Combine(_folder.Path, "colours.kodiak"));
        // The test's own PATH has dotnet (it runs under dotnet test); the replica's must not, or this proves nothing.
        Assert.DoesNotContain(Replica.PathWithoutDotnet().Split(':'), folder => File.Exists(Path.Combine(folder, "dotnet")));

        using var replica = await Replica.StartAsync(server, "--Model", bundle);
        using var client = new HttpClient { BaseAddress = replica.Url };
        using var response = await ColourImages.PredictAsync(client, ColourImages.All[2].Png);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("blue", answer.RootElement.GetProperty("label").GetString());
        Assert.Contains("Serving colours", replica.Output);
    }

    [Fact]
    public void It_holds_ONNX_Runtime_SkiaSharp_and_ASP_NET_Core_but_neither_TorchSharp_nor_the_kodiak_command()
    {
        var files = Directory.GetFiles(server.Folder).Select(Path.GetFileName).ToList();

        Assert.Contains("libonnxruntime.so", files);
        Assert.Contains("libSkiaSharp.so", files);
        Assert.Contains("Microsoft.AspNetCore.Server.Kestrel.Core.dll", files);
        Assert.Contains("libcoreclr.so", files); // self-contained: the runtime travels with it
        Assert.DoesNotContain(files, f => f!.Contains("torch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("kodiak.dll", files);
        Assert.DoesNotContain("Kodiak.Training.dll", files);
    }

    public void Dispose() => _folder.Dispose();
}
