using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

public sealed class PredictApiOutOfDomainTests : IDisposable
{
    readonly TempFolder _temp = new();
    readonly byte[] _red = ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png);
    readonly byte[] _photo = ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png);

    public void Dispose() => _temp.Dispose();

    static async Task<JsonElement> PredictAsync(HttpClient client, byte[] image)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await client.PostAsync("/api/predict", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Json(response);
    }

    [Fact]
    public async Task Each_answer_carries_the_out_of_domain_score_and_flag_and_the_model_endpoint_the_calibration()
    {
        await using var serving = await ServingApp.StartAsync(ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true));

        var red = await PredictAsync(serving.Client, _red);
        var photo = await PredictAsync(serving.Client, _photo);
        var model = (await serving.Client.GetJson("/api/model")).GetProperty("outOfDomain");

        Assert.False(red.GetProperty("outOfDomain").GetBoolean());
        Assert.True(photo.GetProperty("outOfDomain").GetBoolean());
        Assert.True(photo.GetProperty("outOfDomainScore").GetDouble() > model.GetProperty("threshold").GetDouble());
        Assert.True(red.GetProperty("outOfDomainScore").GetDouble() <= model.GetProperty("threshold").GetDouble());
        Assert.True(model.GetProperty("calibrated").GetBoolean());
        Assert.Equal("Mahalanobis", model.GetProperty("method").GetString());
        Assert.Equal(0.05, model.GetProperty("targetFalseAlarmRate").GetDouble());
    }

    [Fact]
    public async Task A_model_without_calibration_answers_with_null_fields_and_says_it_has_none()
    {
        await using var serving = await ServingApp.StartAsync(ColourModel.Write(Path.Combine(_temp.Path, "old.kodiak")));

        var photo = await PredictAsync(serving.Client, _photo);
        var model = (await serving.Client.GetJson("/api/model")).GetProperty("outOfDomain");

        Assert.Equal("red", photo.GetProperty("label").GetString());
        foreach (string field in new[] { "outOfDomainScore", "outOfDomain" })
            Assert.True(!photo.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null, $"{field} is {value}");
        Assert.False(model.GetProperty("calibrated").GetBoolean());
        Assert.StartsWith("no out-of-domain calibration", model.GetProperty("note").GetString());
    }
}
