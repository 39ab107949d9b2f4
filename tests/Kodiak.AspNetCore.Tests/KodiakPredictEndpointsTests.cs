using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kodiak.Inference;

namespace Kodiak.AspNetCore.Tests;

[Collection(PredictorApp.Collection)]
public sealed class KodiakPredictEndpointsTests(PredictorApp app)
{
    [Fact]
    public async Task Posting_an_image_as_the_body_or_a_form_file_answers_what_the_predictor_says()
    {
        using var predictor = Predictor.Load(app.Sample.Bundle);
        foreach (string path in app.Sample.Validation.Paths.Take(3))
        {
            var expected = predictor.Predict(File.OpenRead(path));
            using var body = new ByteArrayContent(File.ReadAllBytes(path));
            body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            using var form = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(path)), "image", Path.GetFileName(path) } };

            foreach (HttpContent content in new HttpContent[] { body, form })
            {
                using var response = await app.Client.PostAsync("/classify", content);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(expected.Label, answer.GetProperty("label").GetString());
                Assert.Equal(expected.Probabilities[expected.Index], answer.GetProperty("probability").GetSingle());
                var probabilities = answer.GetProperty("probabilities");
                Assert.Equal(predictor.Classes, probabilities.EnumerateObject().Select(p => p.Name));
                Assert.Equal(expected.Probabilities, probabilities.EnumerateObject().Select(p => p.Value.GetSingle()));
                Assert.Equal(expected.OutOfDomainScore, answer.GetProperty("outOfDomainScore").GetDouble());
                Assert.Equal(expected.OutOfDomain, answer.GetProperty("outOfDomain").GetBoolean());
            }
        }
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_refused_with_the_reason()
    {
        using var response = await app.Client.PostAsync("/classify", new StringContent("not an image"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Not an image Kodiak can read", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_form_without_a_file_is_refused_with_what_to_send()
    {
        using var response = await app.Client.PostAsync("/classify", new FormUrlEncodedContent([new("image", "cat.jpg")]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("send it as a file field of the form, or as the request body", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_health_check_says_the_model_is_ready()
    {
        using var response = await app.Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
