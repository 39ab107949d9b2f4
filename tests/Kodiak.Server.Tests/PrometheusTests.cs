using System.Net;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.Server.Tests;

public sealed class PrometheusTests : IDisposable
{
    readonly TempFolder _temp = new();
    readonly string _bundle;
    readonly byte[] _red = ImageEncoder.Encode(TestImages.Solid(16, 16, 250, 10, 10), ImageFormat.Png);
    readonly byte[] _photo = ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png);

    public PrometheusTests() => _bundle = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Metrics_lists_predictions_by_label_and_model_latency_batch_sizes_queues_out_of_domain_and_dropped_records()
    {
        await using var serving = await ServingApp.StartAsync(_bundle, s => s.AddKodiakMetrics().AddSingleton<IPredictionSink>(new FailingSink()),
            map: app => app.MapKodiakMetrics());

        using var predicted = await serving.Client.PostAsync("/api/predict", new MultipartFormDataContent { { new ByteArrayContent(_red), "file", "red.png" } });
        // A photograph is nothing like the colours the model knows: flagged out of domain.
        using var strange = await serving.Client.PostAsync("/api/predict", new MultipartFormDataContent { { new ByteArrayContent(_photo), "file", "photo.png" } });
        await WaitUntil(() => serving.Sinks.Status.Single().Failed >= 2);
        string metrics = await serving.Client.GetStringAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        // Each answer's label counts once (the photograph's nearest class may be red too).
        var labels = new[] { await predicted.Content.ReadAsStringAsync(), await strange.Content.ReadAsStringAsync() }
            .Select(body => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("label").GetString()).ToList();
        Assert.Matches($@"(?m)^kodiak_predictions_total\{{[^}}]*label=""red""[^}}]*\}} {labels.Count(l => l == "red")}", metrics);
        Assert.Matches(@"(?m)^kodiak_predictions_total\{[^}]*model=""colours""", metrics);
        Assert.Matches(@"(?m)^kodiak_prediction_duration_milliseconds_bucket\{[^}]*model=""colours""", metrics);
        Assert.Matches(@"(?m)^kodiak_batch_size(_images)?_bucket\{", metrics);
        Assert.Matches(@"(?m)^kodiak_queue_depth(_requests)?\{[^}]*model=""colours""[^}]*\} 0", metrics);
        Assert.Matches(@"(?m)^kodiak_sink_queue_depth(_records)?\{[^}]*sink=""failing""", metrics);
        Assert.Matches(@"(?m)^kodiak_predictions_out_of_domain_total\{[^}]*model=""colours""[^}]*\} 1", metrics);
        Assert.Matches(@"(?m)^kodiak_sink_records_dropped_total\{(?=[^}]*reason=""sink_failed"")(?=[^}]*sink=""failing"")[^}]*\} 2", metrics);
    }

    static async Task WaitUntil(Func<bool> done)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!done())
            await Task.Delay(20, guard.Token);
    }

    /// <summary>A sink that throws on every write, so its records are counted as dropped.</summary>
    sealed class FailingSink : IPredictionSink
    {
        public string Name => "failing";

        public bool WantsFeatures => false;

        public ValueTask WriteAsync(IReadOnlyList<PredictionRecord> records, CancellationToken cancellation) =>
            throw new IOException("the database is down");
    }
}
