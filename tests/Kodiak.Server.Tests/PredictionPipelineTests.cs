using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.Extensions.DependencyInjection;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

/// <summary>
/// The serving pipeline in an app of its own, on the hand-made colour model: router, batcher, prediction records and
/// the sinks' background writer, metrics. Every wait is for an event; the time limits are only guards against a hang.
/// </summary>
public sealed class PredictionPipelineTests : IDisposable
{
    static readonly TimeSpan Guard = TimeSpan.FromMinutes(1);

    readonly TempFolder _temp = new();
    readonly string _bundle;
    readonly byte[] _red = ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png);

    public PredictionPipelineTests() => _bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_prediction_reaches_the_sink_with_its_request_id_source_model_version_and_image_hash()
    {
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddPredictionSink<RecordingSink>());
        var sink = serving.App.Services.GetServices<IPredictionSink>().OfType<RecordingSink>().Single();

        using var response = await serving.Client.SendAsync(Post(Raw(_red), ("X-Request-Id", "req-42"), ("X-Kodiak-Source", "camera-7")));
        var record = await sink.Next();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("req-42", response.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("req-42", (await Json(response)).GetProperty("requestId").GetString());
        Assert.Equal("req-42", record.RequestId);
        Assert.Equal("camera-7", record.SourceId);
        Assert.Equal("colours", record.ModelId);
        using var predictor = Predictor.Load(_bundle);
        Assert.Equal(predictor.Manifest.Sha256[ModelBundle.OnnxEntry], record.ModelVersion);
        Assert.Equal(ModelRole.Primary, record.Role);
        Assert.Equal("red", record.Label);
        Assert.Equal(ColourModel.Classes, record.Probabilities.Keys);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_red)), record.ImageSha256);
        Assert.Null(record.Features);
        Assert.True(record.Latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task The_records_carry_the_out_of_domain_score_and_flag_the_answer_gave()
    {
        string calibrated = ColourModel.Write(Path.Combine(_temp.Path, "calibrated.kodiak"), outOfDomain: true);
        var sink = new RecordingSink();
        await using var serving = await ServingApp.StartAsync(calibrated, s => s.AddSingleton<IPredictionSink>(sink));
        byte[] photo = ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png);

        var answers = new List<JsonElement>();
        foreach (byte[] image in new[] { _red, photo })
        {
            using var response = await serving.Client.SendAsync(Post(Raw(image)));
            answers.Add(await Json(response));
        }

        var records = new[] { await sink.Next(), await sink.Next() }.OrderBy(r => r.OutOfDomainScore).ToArray();
        Assert.Equal([false, true], records.Select(r => r.OutOfDomain));
        Assert.Equal(answers.Select(a => a.GetProperty("outOfDomainScore").GetDouble()).Order(), records.Select(r => r.OutOfDomainScore!.Value));
    }

    [Fact]
    public async Task A_model_without_calibration_records_no_out_of_domain_score()
    {
        var sink = new RecordingSink();
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(sink));

        using var response = await serving.Client.SendAsync(Post(Raw(_red)));
        var record = await sink.Next();

        Assert.Null(record.OutOfDomainScore);
        Assert.Null(record.OutOfDomain);
    }

    [Fact]
    public async Task The_source_form_field_is_recorded_and_the_server_made_request_id_is_the_records()
    {
        var sink = new RecordingSink();
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(sink));

        using var response = await serving.Client.PostAsync("/api/predict",
            new MultipartFormDataContent { { new ByteArrayContent(_red), "file", "red.png" }, { new StringContent("phone-app"), "source" } });
        var record = await sink.Next();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string id = response.Headers.GetValues("X-Request-Id").Single();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal(id, record.RequestId);
        Assert.Equal("phone-app", record.SourceId);
    }

    [Fact]
    public async Task A_source_id_longer_than_the_limit_is_400_and_counted_as_rejected()
    {
        await using var serving = await ServingApp.StartAsync(_bundle);

        using var response = await serving.Client.SendAsync(Post(Raw(_red), ("X-Kodiak-Source", new string('s', PredictApi.MaxIdLength + 1))));

        await AssertProblem(response, HttpStatusCode.BadRequest, "longer than 200 characters");
        Assert.Equal(1, serving.Sum("kodiak.requests.rejected", ("reason", "bad_upload")));
    }

    [Fact]
    public async Task Only_a_sink_that_asks_for_features_gets_them()
    {
        var plain = new RecordingSink();
        var withFeatures = new RecordingSink("features", wantsFeatures: true);
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(plain).AddSingleton<IPredictionSink>(withFeatures));

        using var response = await serving.Client.PostAsync("/api/predict", Raw(_red));

        Assert.Null((await plain.Next()).Features);
        Assert.Equal(48, (await withFeatures.Next()).Features?.Count);
    }

    [Fact]
    public async Task A_sink_that_blocks_holds_up_no_prediction()
    {
        var sink = new BlockingSink();
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(sink));

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            using var response = await serving.Client.PostAsync("/api/predict", Raw(_red));
            statuses.Add(response.StatusCode);
        }

        // The sink still holds the first record and has returned from nothing, yet every request was answered.
        await sink.Entered.Task.WaitAsync(Guard);
        Assert.Equal(0, sink.Returned);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        sink.Release.SetResult();
    }

    [Fact]
    public async Task When_a_sinks_queue_is_full_records_are_dropped_counted_and_shown_in_healthz()
    {
        var sink = new BlockingSink();
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(sink), o => o.SinkQueueCapacity = 1);

        // The first record is in the sink's hands, the second fills its queue of one, the third and fourth find it full.
        (await serving.Client.PostAsync("/api/predict", Raw(_red))).Dispose();
        await sink.Entered.Task.WaitAsync(Guard);
        for (int i = 0; i < 3; i++)
            (await serving.Client.PostAsync("/api/predict", Raw(_red))).Dispose();

        var status = serving.Sinks.Status.Single();
        using var health = await serving.Client.GetAsync("/healthz");
        var answer = await Json(health);

        Assert.Equal((2L, 1, 0L), (status.QueueFull, status.Queued, status.Failed));
        Assert.Equal(2, serving.Sum("kodiak.sink.records_dropped", ("sink", "blocking"), ("reason", "queue_full")));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", answer.GetProperty("status").GetString());
        var sinks = answer.GetProperty("checks").GetProperty("prediction-sinks");
        Assert.Equal(2, sinks.GetProperty("data").GetProperty("blocking.queueFull").GetInt64());
        Assert.Contains("2 prediction record(s) lost", sinks.GetProperty("description").GetString());
        sink.Release.SetResult();
    }

    [Fact]
    public async Task A_sink_that_throws_has_its_records_counted_as_failed_and_serving_goes_on()
    {
        var failing = new ThrowingSink();
        var recording = new RecordingSink();
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddSingleton<IPredictionSink>(failing).AddSingleton<IPredictionSink>(recording));

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using var response = await serving.Client.PostAsync("/api/predict", Raw(_red));
            statuses.Add(response.StatusCode);
        }

        // Stopping lets every sink take (or fail on) all that is queued.
        await serving.App.StopAsync();

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var status = serving.Sinks.Status;
        Assert.Equal((0L, 0L, 3L), (status[0].Written, status[0].QueueFull, status[0].Failed));
        Assert.Equal((3L, 0L), (status[1].Written, status[1].Dropped));
        Assert.Equal(3, serving.Sum("kodiak.sink.records_dropped", ("sink", "throwing"), ("reason", "sink_failed")));
    }

    [Fact]
    public async Task Predictions_rejections_latency_and_batch_sizes_are_measured()
    {
        await using var serving = await ServingApp.StartAsync(_bundle);

        using var good = await serving.Client.PostAsync("/api/predict", Raw(_red));
        using var bad = await serving.Client.PostAsync("/api/predict", Raw(TestImages.Text("not a picture")));
        using var wrongType = await serving.Client.PostAsync("/api/predict", new StringContent("hello"));

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(1, serving.Sum("kodiak.predictions", ("model", "colours"), ("role", "primary"), ("label", "red")));
        Assert.Equal(1, serving.Sum("kodiak.predictions"));
        Assert.Equal(1, serving.Sum("kodiak.requests.rejected", ("reason", "bad_image")));
        Assert.Equal(1, serving.Sum("kodiak.requests.rejected", ("reason", "unsupported_type")));
        Assert.Single(serving.Values("kodiak.prediction.duration"), ms => ms > 0);
        // The good image ran alone; the unreadable one too (the model never saw it: decoding failed first).
        Assert.Equal([1.0], serving.Values("kodiak.batch.size"));
    }

    [Fact]
    public async Task A_request_turned_away_when_the_queue_is_full_is_counted_as_busy()
    {
        await using var serving = await ServingApp.StartAsync(_bundle, options: o => o.QueueCapacity = 1);
        var batcher = serving.App.Services.GetRequiredService<IModelRouter>().Models[0].Batcher;

        using (batcher.TryAdmit())
        {
            using var busy = await serving.Client.PostAsync("/api/predict", Raw(_red));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        }

        Assert.Equal(1, serving.Sum("kodiak.requests.rejected", ("reason", "busy")));
    }

    [Fact]
    public async Task A_route_answers_with_its_primary_or_canary_and_its_shadow_predicts_off_the_answer_path()
    {
        var sink = new RecordingSink();
        string shadow = ColourModel.Write(Path.Combine(_temp.Path, "shadow.kodiak"), dataFolder: "shadow-colours");
        string canary = ColourModel.Write(Path.Combine(_temp.Path, "canary.kodiak"), dataFolder: "canary-colours");
        await using var serving = await ServingApp.StartAsync(_bundle, s => s
            .AddSingleton<IPredictionSink>(sink)
            .AddSingleton<IModelRouter>(provider => new CanaryRouter(
                ServedModel.Load(new ServeOptions { Model = _bundle }), ServedModel.Load(new ServeOptions { Model = canary }),
                ServedModel.Load(new ServeOptions { Model = shadow }))));

        using var toPrimary = await serving.Client.SendAsync(Post(Raw(_red), ("X-Request-Id", "a")));
        var primaryRecords = new[] { await sink.Next(), await sink.Next() };
        using var toCanary = await serving.Client.SendAsync(Post(Raw(_red), ("X-Request-Id", "b"), ("X-Kodiak-Source", "canary")));
        var canaryRecord = await sink.Next();

        Assert.Equal("colours", (await Json(toPrimary)).GetProperty("model").GetProperty("name").GetString());
        Assert.Equal([("a", "colours", ModelRole.Primary), ("a", "shadow-colours", ModelRole.Shadow)],
            primaryRecords.Select(r => (r.RequestId, r.ModelId, r.Role)).OrderBy(r => r.Role));
        Assert.Equal("canary-colours", (await Json(toCanary)).GetProperty("model").GetProperty("name").GetString());
        Assert.Equal(("b", "canary-colours", ModelRole.Canary), (canaryRecord.RequestId, canaryRecord.ModelId, canaryRecord.Role));
        Assert.Equal(1, serving.Sum("kodiak.predictions", ("model", "shadow-colours"), ("role", "shadow")));
    }

    static ByteArrayContent Raw(byte[] image)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return content;
    }

    static HttpRequestMessage Post(HttpContent content, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/predict") { Content = content };
        foreach (var (name, value) in headers)
            request.Headers.Add(name, value);
        return request;
    }

    /// <summary>Primary plus a shadow for every request, except those from source "canary", which the canary answers alone.</summary>
    sealed class CanaryRouter(ServedModel primary, ServedModel canary, ServedModel shadow) : IModelRouter, IDisposable
    {
        public IReadOnlyList<ServedModel> Models { get; } = [primary, canary, shadow];

        public ModelRoute Route(PredictionRequest request) => request.SourceId == "canary"
            ? new ModelRoute(new RoutedModel(canary, ModelRole.Canary), [])
            : new ModelRoute(new RoutedModel(primary, ModelRole.Primary), [new RoutedModel(shadow, ModelRole.Shadow)]);

        public void Dispose()
        {
            foreach (var model in Models)
                model.Dispose();
        }
    }

    /// <summary>Keeps every record; <see cref="Next"/> waits for the next one.</summary>
    sealed class RecordingSink(string name = "recording", bool wantsFeatures = false) : IPredictionSink
    {
        readonly BlockingCollection<PredictionRecord> _records = [];

        public string Name => name;

        public bool WantsFeatures => wantsFeatures;

        public ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
        {
            foreach (var record in records)
                _records.Add(record, cancellation);
            return ValueTask.CompletedTask;
        }

        public Task<PredictionRecord> Next() => Task.Run(() => _records.TryTake(out var record, Guard) ? record : throw new TimeoutException("No record reached the sink."));
    }

    /// <summary>Takes the first records and then waits for <see cref="Release"/>.</summary>
    sealed class BlockingSink : IPredictionSink
    {
        int _returned;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Returned => Volatile.Read(ref _returned);

        public string Name => "blocking";

        public bool WantsFeatures => false;

        public async ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellation);
            Interlocked.Increment(ref _returned);
        }
    }

    sealed class ThrowingSink : IPredictionSink
    {
        public string Name => "throwing";

        public bool WantsFeatures => false;

        public ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation) =>
            throw new IOException("the log's disk is full");
    }
}
