using Kodiak.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace Kodiak.AspNetCore.Tests;

public sealed class KodiakPredictorServicesTests
{
    [Fact]
    public async Task A_missing_bundle_stops_the_start_with_an_error_naming_the_file()
    {
        using var temp = new TempFolder();
        string missing = Path.Combine(temp.Path, "nothing-here.kodiak");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Start(o => o.Model = missing));

        Assert.Contains(missing, error.Message);
        Assert.Contains("the file does not exist", error.Message);
    }

    [Fact]
    public async Task A_corrupt_bundle_stops_the_start_with_an_error_naming_the_file()
    {
        using var temp = new TempFolder();
        string corrupt = temp.Write("model.kodiak", "not a zip at all"u8.ToArray());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Start(o => o.Model = corrupt));

        Assert.Contains($"Kodiak cannot load the model {corrupt}", error.Message);
        Assert.DoesNotContain("does not exist", error.Message);
    }

    [Fact]
    public async Task Options_without_a_model_or_with_a_bad_limit_stop_the_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Start(o => o.QueueCapacity = 0));

        Assert.Contains("KodiakPredictorOptions.Model is not set", error.Message);
        Assert.Contains("QueueCapacity must be at least 1 (it is 0)", error.Message);
    }

    static async Task Start(Action<KodiakPredictorOptions> configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddKodiakPredictor(configure);
        await using var app = builder.Build();
        await app.StartAsync();
        await app.StopAsync();
    }
}
