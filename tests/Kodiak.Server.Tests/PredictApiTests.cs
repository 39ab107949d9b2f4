using System.Net;
using System.Net.Http.Headers;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

[Collection(ServerFixture.Collection)]
public sealed class PredictApiTests(ServerFixture server)
{
    HttpClient Client => server.Client;

    [Fact]
    public async Task A_sample_image_gets_the_label_and_probabilities_the_training_process_gave_it()
    {
        var valid = server.Sample.Validation;

        using var response = await Client.PostAsync("/api/predict", Form(await File.ReadAllBytesAsync(valid.Paths[0])));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Json(response);
        Assert.Equal(valid.Vocab[valid.Predictions[0]], answer.GetProperty("label").GetString());
        Assert.Equal(valid.Predictions[0], answer.GetProperty("index").GetInt32());
        var probabilities = answer.GetProperty("probabilities");
        Assert.Equal(valid.Vocab, probabilities.EnumerateObject().Select(p => p.Name));
        for (int c = 0; c < valid.Vocab.Count; c++)
            Assert.Equal(valid.Probability(0, c), probabilities.GetProperty(valid.Vocab[c]).GetDouble(), 4);
        Assert.Equal("clipart", answer.GetProperty("model").GetProperty("name").GetString());
        Assert.Matches("^[0-9a-f]{12}$", answer.GetProperty("model").GetProperty("version").GetString());
        Assert.InRange(answer.GetProperty("elapsedMs").GetDouble(), 0.001, 60_000);
    }

    [Fact]
    public async Task The_raw_image_as_the_body_is_predicted_like_a_form_upload()
    {
        var valid = server.Sample.Validation;
        byte[] image = await File.ReadAllBytesAsync(valid.Paths[1]);

        using var raw = await Client.PostAsync("/api/predict", Raw(image, "image/jpeg"));
        using var octets = await Client.PostAsync("/api/predict", Raw(image, "application/octet-stream"));

        foreach (var response in new[] { raw, octets })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(valid.Vocab[valid.Predictions[1]], (await Json(response)).GetProperty("label").GetString());
        }
    }

    [Fact]
    public async Task A_truncated_image_is_400_with_the_reason()
    {
        byte[] jpeg = ImageEncoder.Encode(TestImages.Photo(1200, 900), ImageFormat.Jpeg);

        using var response = await Client.PostAsync("/api/predict", Form(jpeg[..(jpeg.Length * 9 / 10)]));

        await AssertProblem(response, HttpStatusCode.BadRequest, "truncated or corrupt image data");
    }

    [Fact]
    public async Task Text_sent_as_an_image_is_400_not_an_image()
    {
        using var response = await Client.PostAsync("/api/predict", Raw(TestImages.Text("hello, not a picture"), "image/png"));

        await AssertProblem(response, HttpStatusCode.BadRequest, "not an image (unrecognised format)");
    }

    [Fact]
    public async Task An_empty_upload_is_400()
    {
        using var response = await Client.PostAsync("/api/predict", Form([]));

        await AssertProblem(response, HttpStatusCode.BadRequest, "empty file (0 bytes)");
    }

    [Fact]
    public async Task A_pixel_bomb_is_400_naming_the_limit()
    {
        using var response = await Client.PostAsync("/api/predict", Form(TestImages.PngBomb(30000, 30000)));

        await AssertProblem(response, HttpStatusCode.BadRequest, "30000×30000 pixels exceeds the limit of 100 megapixels");
    }

    [Fact]
    public async Task An_upload_over_20_MB_is_413_whether_its_length_is_announced_or_streamed()
    {
        byte[] oversize = new byte[20 * 1024 * 1024 + 1];
        oversize[0] = 0xFF; // a JPEG signature, so only the size is wrong
        oversize[1] = 0xD8;

        var streamed = new StreamContent(new UnknownLengthStream(oversize));
        streamed.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var streamedForm = new MultipartFormDataContent { { new StreamContent(new UnknownLengthStream(oversize)), "file", "upload.jpg" } };

        // An announced length is refused before the body is read, so the client must wait for that answer
        // (Expect: 100-continue, as curl does for large uploads) instead of sending 20 MB into a closed connection.
        using var announced = await Client.SendAsync(ExpectingContinue(Raw(oversize, "image/jpeg")));
        using var form = await Client.SendAsync(ExpectingContinue(Form(oversize)));
        using var chunked = await Client.PostAsync("/api/predict", streamed);
        using var chunkedForm = await Client.PostAsync("/api/predict", streamedForm);

        await AssertProblem(announced, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 20 MB");
        await AssertProblem(chunked, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 20 MB");
        await AssertProblem(form, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 20 MB");
        Assert.Null(streamedForm.Headers.ContentLength);
        await AssertProblem(chunkedForm, HttpStatusCode.RequestEntityTooLarge, "larger than the limit of 20 MB");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task An_image_with_the_wrong_content_type_is_415(string contentType)
    {
        byte[] image = await File.ReadAllBytesAsync(server.Sample.Validation.Paths[0]);

        using var response = await Client.PostAsync("/api/predict", Raw(image, contentType));

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, $"not '{contentType}'");
    }

    [Fact]
    public async Task A_form_without_the_file_field_is_400()
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Text("x")), "picture", "a.jpg" } };

        using var response = await Client.PostAsync("/api/predict", form);

        await AssertProblem(response, HttpStatusCode.BadRequest, "The form has no 'file' field");
    }

    [Fact]
    public async Task A_broken_multipart_form_is_400()
    {
        var broken = Raw(TestImages.Text("--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nno closing boundary"), "multipart/form-data");
        broken.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("boundary", "xyz"));

        using var response = await Client.PostAsync("/api/predict", broken);

        await AssertProblem(response, HttpStatusCode.BadRequest, "The multipart form cannot be read");
    }

    [Fact]
    public async Task Sixty_four_concurrent_requests_all_get_their_own_right_label_in_shared_batches()
    {
        var valid = server.Sample.Validation;
        var images = await Task.WhenAll(valid.Paths.Select(p => File.ReadAllBytesAsync(p)));
        var before = server.Batcher.Statistics;

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await Client.PostAsync("/api/predict", Form(images[i % images.Length]));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (Index: i % images.Length, Answer: await Json(response));
        }));

        foreach (var (index, answer) in answers)
        {
            Assert.Equal(valid.Vocab[valid.Predictions[index]], answer.GetProperty("label").GetString());
            Assert.Equal(valid.Probability(index, valid.Predictions[index]), answer.GetProperty("probabilities").GetProperty(valid.Vocab[valid.Predictions[index]]).GetDouble(), 4);
        }
        var after = server.Batcher.Statistics;
        Assert.Equal(64, after.Images - before.Images);
        // At most 16 a batch means at least 4 batches; fewer than 64 means some were grouped.
        Assert.InRange(after.Batches - before.Batches, 64 / 16, 63);
    }

    [Fact]
    public async Task A_corrupt_image_among_concurrent_good_ones_fails_only_its_own_request()
    {
        var valid = server.Sample.Validation;
        var uploads = valid.Paths.Take(7).Select(File.ReadAllBytes).Append(TestImages.Text("broken")).ToArray();

        var responses = await Task.WhenAll(uploads.Select(u => Client.PostAsync("/api/predict", Form(u))));

        for (int i = 0; i < 7; i++)
        {
            Assert.Equal(HttpStatusCode.OK, responses[i].StatusCode);
            Assert.Equal(valid.Vocab[valid.Predictions[i]], (await Json(responses[i])).GetProperty("label").GetString());
        }
        await AssertProblem(responses[7], HttpStatusCode.BadRequest, "not an image");
        foreach (var response in responses)
            response.Dispose();
    }

    [Fact]
    public async Task When_the_queue_is_full_requests_get_503_with_Retry_After_and_readiness_fails()
    {
        byte[] image = await File.ReadAllBytesAsync(server.Sample.Validation.Paths[0]);
        var held = new List<IDisposable>();
        while (server.Batcher.TryAdmit() is { } slot)
            held.Add(slot);

        using var busy = await Client.PostAsync("/api/predict", Form(image));
        using var notReady = await Client.GetAsync("/readyz");
        held.ForEach(s => s.Dispose());
        using var again = await Client.PostAsync("/api/predict", Form(image));
        using var ready = await Client.GetAsync("/readyz");

        Assert.Equal(64, held.Count);
        await AssertProblem(busy, HttpStatusCode.ServiceUnavailable, "Try again in 1 s");
        Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task The_model_endpoint_gives_classes_input_size_training_metrics_and_limits()
    {
        var model = await Client.GetJson("/api/model");

        Assert.Equal(["animals", "food", "vehicles"], model.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(32, model.GetProperty("input").GetProperty("width").GetInt32());
        var valid = server.Sample.Validation;
        double errorRate = valid.Predictions.Where((p, i) => p != valid.Targets[i]).Count() / (double)valid.Paths.Count;
        Assert.Equal(errorRate, model.GetProperty("training").GetProperty("metrics").GetProperty("error_rate").GetDouble(), 6);
        Assert.Equal(20 * 1024 * 1024, model.GetProperty("limits").GetProperty("maxUploadBytes").GetInt64());
        Assert.Equal(30, model.GetProperty("limits").GetProperty("uploadTimeoutSeconds").GetDouble());
        Assert.Equal(16, model.GetProperty("limits").GetProperty("maxBatchSize").GetInt32());
    }

    [Fact]
    public async Task Health_and_readiness_answer_200()
    {
        using var health = await Client.GetAsync("/healthz");
        using var ready = await Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_predict_and_model()
    {
        var paths = (await Client.GetJson("/openapi/v1.json")).GetProperty("paths");

        var predict = paths.GetProperty("/api/predict").GetProperty("post");
        Assert.True(predict.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        Assert.Equal(["200", "400", "408", "413", "415", "503"], predict.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order());
        Assert.True(paths.GetProperty("/api/model").TryGetProperty("get", out _));
    }

    [Fact]
    public async Task The_page_offers_a_file_picker_and_the_camera()
    {
        using var response = await Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("""<input id="file" type="file" accept="image/*">""", html);
        Assert.Contains("""<input id="camera" type="file" accept="image/*" capture="environment">""", html);
        Assert.Contains("""<meta name="viewport" content="width=device-width, initial-scale=1">""", html);
        using var script = await Client.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        using var cleaner = await Client.GetAsync("/cleaner.html");
        Assert.Equal(HttpStatusCode.NotFound, cleaner.StatusCode);
    }

    static MultipartFormDataContent Form(byte[] image) => new() { { new ByteArrayContent(image), "file", "upload.jpg" } };

    static ByteArrayContent Raw(byte[] image, string contentType)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    static HttpRequestMessage ExpectingContinue(HttpContent content) =>
        new(HttpMethod.Post, "/api/predict") { Content = content, Headers = { ExpectContinue = true } };

    /// <summary>Hides its length, so the client streams the body in chunks without a Content-Length.</summary>
    sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
