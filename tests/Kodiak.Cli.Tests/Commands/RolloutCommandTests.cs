using Kodiak.Testing.Training;
using static Kodiak.Cli.Tests.Listening;

namespace Kodiak.Cli.Tests.Commands;

[Collection(TrainedSampleFixture.Collection)]
public sealed class RolloutCommandTests(TrainedSampleFixture fixture)
{
    [Fact]
    public async Task Promote_and_rollback_swap_the_answering_model_of_a_running_server_and_refuse_what_cannot_be_done()
    {
        string candidate = Path.Combine(fixture.Temp, "candidate.kodiak");
        File.Copy(fixture.Bundle, candidate, overwrite: true);
        string url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        var serving = CliRunner.RunAsync(["serve", fixture.Bundle, "--urls", url, "--canary", candidate, "--canary-percent", "0"], stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        await WaitUntilUp(client, serving);

        var promoted = await CliRunner.RunAsync("rollout", "promote", url);
        var again = await CliRunner.RunAsync("rollout", "promote", url);
        var rolledBack = await CliRunner.RunAsync("rollout", "rollback", url);
        var nothing = await CliRunner.RunAsync("rollout", "rollback", url);
        stop.Cancel();
        var (code, output, error) = await serving;

        Assert.True(code == 0, error);
        Assert.Contains($"{candidate} as its canary", output);
        Assert.True(promoted.ExitCode == 0, promoted.Error);
        Assert.Contains("Previous:", promoted.Out);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("No candidate to promote", again.Error);
        Assert.True(rolledBack.ExitCode == 0, rolledBack.Error);
        Assert.Contains("Candidate:", rolledBack.Out);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Contains("Nothing to roll back", nothing.Error);
    }

    [Fact]
    public async Task Load_and_drop_a_candidate_of_a_server_started_without_one_and_refuse_what_cannot_be_done()
    {
        string candidate = Path.Combine(fixture.Temp, "loaded.kodiak");
        File.Copy(fixture.Bundle, candidate, overwrite: true);
        string url = $"http://127.0.0.1:{FreePort()}";
        using var stop = new CancellationTokenSource();
        var serving = CliRunner.RunAsync(["serve", fixture.Bundle, "--urls", url], stop.Token);
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        await WaitUntilUp(client, serving);

        var unsaid = await CliRunner.RunAsync("rollout", "load", url, candidate);
        var missing = await CliRunner.RunAsync("rollout", "load", url, Path.Combine(fixture.Temp, "nowhere.kodiak"), "--shadow");
        var loaded = await CliRunner.RunAsync("rollout", "load", url, candidate, "--canary-percent", "100");
        string role = await AnsweringRole(client);
        var second = await CliRunner.RunAsync("rollout", "load", url, candidate, "--shadow");
        var dropped = await CliRunner.RunAsync("rollout", "drop", url);
        string after = await AnsweringRole(client);
        var again = await CliRunner.RunAsync("rollout", "drop", url);
        stop.Cancel();
        var (code, _, error) = await serving;

        Assert.True(code == 0, error);
        Assert.NotEqual(0, unsaid.ExitCode);
        Assert.Contains("--shadow, or --canary-percent N", unsaid.Error);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("nowhere.kodiak does not exist", missing.Error);
        Assert.True(loaded.ExitCode == 0, loaded.Error);
        Assert.Contains("canary)", loaded.Out);
        Assert.Equal("canary", role);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("A candidate is loaded already", second.Error);
        Assert.True(dropped.ExitCode == 0, dropped.Error);
        Assert.DoesNotContain("Candidate:", dropped.Out);
        Assert.Equal("primary", after);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("No candidate to drop", again.Error);
    }

    /// <summary>The role of the model that answers one of the sample's validation images.</summary>
    async Task<string> AnsweringRole(HttpClient client)
    {
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(fixture.Validation.Paths[0]));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var answer = await client.PostAsync("/api/predict", body);
        using var json = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("model").GetProperty("role").GetString()!;
    }

    [Fact]
    public async Task A_canary_percent_outside_0_to_100_is_refused_naming_the_option()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));

        var (code, _, error) = await CliRunner.RunAsync(["serve", fixture.Bundle, "--urls", "http://127.0.0.1:0", "--canary", fixture.Bundle, "--canary-percent", "101"], guard.Token);

        Assert.NotEqual(0, code);
        Assert.Contains("--canary-percent must be from 0 to 100", error);
    }
}
