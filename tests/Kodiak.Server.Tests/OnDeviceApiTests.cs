using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Testing;

namespace Kodiak.Server.Tests;

[Collection(ServerFixture.Collection)]
public sealed class OnDeviceApiTests(ServerFixture server)
{
    [Fact]
    public async Task A_bundle_without_int8_gives_the_page_its_fp32_model_named_by_its_SHA_256_with_how_to_prepare_images()
    {
        var bundle = ModelBundle.Open(server.Sample.Bundle);

        var model = await server.Client.GetFromJsonAsync<JsonElement>("/api/model/on-device");
        using var download = await server.Client.GetAsync(model.GetProperty("url").GetString());

        string sha256 = bundle.Manifest.Sha256[ModelBundle.OnnxEntry];
        Assert.Equal("fp32", model.GetProperty("variant").GetString());
        Assert.Equal(sha256, model.GetProperty("sha256").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(await download.Content.ReadAsByteArrayAsync())));
        Assert.Equal($"\"{sha256}\"", download.Headers.ETag?.Tag);
        Assert.Equal(["animals", "food", "vehicles"], model.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(32, model.GetProperty("input").GetProperty("width").GetInt32());
        Assert.Equal("RandomResizedCrop", model.GetProperty("itemTransforms")[0].GetProperty("transform").GetString());
        Assert.Equal(20 * 1024 * 1024, model.GetProperty("maxUploadBytes").GetInt64());
    }

    [Fact]
    public async Task A_browser_holding_the_model_is_told_it_is_unchanged_and_an_old_model_is_not_found()
    {
        var model = await server.Client.GetFromJsonAsync<JsonElement>("/api/model/on-device");
        using var again = new HttpRequestMessage(HttpMethod.Get, model.GetProperty("url").GetString());
        again.Headers.IfNoneMatch.Add(new($"\"{model.GetProperty("sha256").GetString()}\""));

        using var unchanged = await server.Client.SendAsync(again);
        using var old = await server.Client.GetAsync($"/api/model/on-device/{new string('0', 64)}.onnx");

        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        Assert.Contains("reload the page", (await old.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_bundle_with_an_int8_variant_gives_the_page_that_one()
    {
        using var temp = new TempFolder();
        var sample = ModelBundle.Open(server.Sample.Bundle);
        byte[] fp32 = sample.ReadOnnxModel();
        // The server is told to predict with fp32, so the int8 entry's bytes need only be told apart from it.
        byte[] int8 = [.. fp32, 0];
        string path = Path.Combine(temp.Path, "with-int8.kodiak");
        ModelBundle.Write(path, sample.Manifest, fp32, new Dictionary<string, ReadOnlyMemory<byte>> { [ModelBundle.Int8Entry] = int8 },
            new Dictionary<string, string> { [ModelBundle.Int8Variant] = ModelBundle.Int8Entry });
        await using var app = KodiakServer.Build(["--urls", "http://127.0.0.1:0"], new ServeOptions { Model = path, Precision = "fp32" });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };

        var model = await client.GetFromJsonAsync<JsonElement>("/api/model/on-device");
        byte[] served = await client.GetByteArrayAsync(model.GetProperty("url").GetString());

        Assert.Equal("int8", model.GetProperty("variant").GetString());
        Assert.Equal(int8, served);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(int8)), model.GetProperty("sha256").GetString());
    }
}
