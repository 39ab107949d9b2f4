using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kodiak.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace Kodiak.AspNetCore.Tests;

[Collection(PredictorApp.Collection)]
public sealed class KodiakPredictorTests(PredictorApp app)
{
    [Fact]
    public async Task Concurrent_callers_each_get_their_own_images_prediction_and_each_is_counted_by_label()
    {
        var predictor = app.Services.GetRequiredService<KodiakPredictor>();
        using var alone = Predictor.Load(app.Sample.Bundle);
        var paths = app.Sample.Validation.Paths.Take(12).ToList();
        var counted = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == KodiakPredictor.MeterName && instrument.Name == "kodiak.predictions")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) => counted.Enqueue((string)tags.ToArray().Single(t => t.Key == "label").Value!));
        listener.Start();

        var answers = await Task.WhenAll(paths.Select(p => Task.Run(() => predictor.PredictAsync(File.ReadAllBytes(p)))));

        for (int i = 0; i < paths.Count; i++)
        {
            var expected = alone.Predict(File.OpenRead(paths[i]));
            Assert.Equal(expected.Label, answers[i].Label);
            // A batch may run other kernels than a single image: equal up to float rounding.
            Assert.All(expected.Probabilities.Zip(answers[i].Probabilities), p => Assert.Equal(p.First, p.Second, 1e-5f));
        }

        Assert.Equal(answers.Select(a => a.Label).Order(), counted.Order());
        Assert.Equal(["animals", "food", "vehicles"], predictor.Classes);
    }
}
