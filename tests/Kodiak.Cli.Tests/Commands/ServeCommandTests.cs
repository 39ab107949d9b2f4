using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Kodiak.Testing.Training;
using static Kodiak.Cli.Tests.Listening;

namespace Kodiak.Cli.Tests.Commands;

[Collection(TrainedSampleFixture.Collection)]
public sealed class ServeCommandTests(TrainedSampleFixture fixture)
{
    [Fact]
    public async Task Serve_prints_its_url_answers_predictions_there_and_stops_on_cancel()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        var serving = CliRunner.RunAsync(["serve", fixture.Bundle, "--urls", url], stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri(url) };

        await WaitUntilUp(client, serving);
        string image = fixture.Validation.Paths[0];
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(image));
        body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var response = await client.PostAsync("/api/predict", body);
        stop.Cancel();
        var (code, output, error) = await serving;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(fixture.Validation.Vocab[fixture.Validation.Predictions[0]], answer.GetProperty("label").GetString());
        Assert.True(code == 0, error);
        Assert.Contains($"at {url}", output);
        Assert.Contains("animals, food, vehicles", output);
    }

    [Fact]
    public async Task A_missing_model_is_a_clear_error()
    {
        string missing = Path.Combine(fixture.Temp, "nothing-here.kodiak");

        var (code, _, error) = await CliRunner.RunAsync("serve", missing, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, code);
        Assert.Contains("nothing-here.kodiak", error);
    }

    [Fact]
    public async Task An_address_in_use_is_a_clear_error()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, _, error) = await CliRunner.RunAsync("serve", fixture.Bundle, "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(1, code);
        Assert.Contains($"127.0.0.1:{port}", error);
        Assert.Contains("in use", error);
    }

    [Theory]
    [InlineData("4096")]
    [InlineData("0.0000001")]
    public async Task An_upload_limit_outside_1_byte_to_2_GB_is_refused_naming_the_option(string megabytes)
    {
        // Only a guard: a server that starts anyway is stopped, and the test fails on its exit code.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var (code, _, error) = await CliRunner.RunAsync(["serve", fixture.Bundle, "--urls", "http://127.0.0.1:0", "--max-upload-mb", megabytes], guard.Token);

        Assert.NotEqual(0, code);
        Assert.Contains("--max-upload-mb must be at least one byte (0.000001) and under 2048", error);
    }
}
