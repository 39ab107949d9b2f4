using System.Collections.Concurrent;
using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.AspNetCore.Tests;

/// <summary>
/// The micro-batcher on a stand-in model whose class is the red value of a one-pixel PNG. Batch sizes are made
/// certain by events, never by time: a first request holds the model (it waits for <see cref="_gate"/>) while the
/// test queues the others, so they are all waiting when the model is free again.
/// </summary>
public sealed class PredictionBatcherTests : IDisposable
{
    /// <summary>The red value of the request that holds the model until the gate opens.</summary>
    const byte Holder = 255;

    readonly ConcurrentQueue<int> _batchSizes = new();
    readonly ConcurrentQueue<int> _reported = new();
    readonly ManualResetEventSlim _gate = new(initialState: true);
    readonly SemaphoreSlim _holding = new(0);

    public void Dispose()
    {
        _gate.Dispose();
        _holding.Dispose();
    }

    IReadOnlyList<PredictionWithFeatures> RedModel(IReadOnlyList<ImageSource> images)
    {
        _batchSizes.Enqueue(images.Count);
        var predictions = images.Select(image =>
        {
            byte red = ImageDecoder.Decode(image).Pixels[0];
            return new PredictionWithFeatures(new Prediction($"red {red}", red, [1f]), []);
        }).ToList();
        if (predictions.Any(p => p.Prediction.Index == Holder))
        {
            _holding.Release();
            _gate.Wait();
        }

        return predictions;
    }

    /// <summary>Sends the holder through the model and returns once the model is busy with it (the gate closed).</summary>
    async Task<Task<string>> HoldTheModel(PredictionBatcher batcher)
    {
        _gate.Reset();
        var held = Answer(batcher.TryAdmit()!, Pixel(Holder));
        await _holding.WaitAsync();
        return held;
    }

    [Fact]
    public Task Requests_waiting_together_share_batches_of_at_most_the_batch_size() =>
        With(maxBatchSize: 4, maxWait: TimeSpan.Zero, capacity: 11, async batcher =>
        {
            var holder = await HoldTheModel(batcher);
            var slots = Enumerable.Range(0, 10).Select(_ => batcher.TryAdmit()!).ToList();
            var answers = slots.Select((slot, i) => Answer(slot, Pixel(i + 1))).ToList();
            _gate.Set();

            var labels = await Task.WhenAll(answers);

            Assert.Equal($"red {Holder}", await holder);
            Assert.Equal(Enumerable.Range(1, 10).Select(i => $"red {i}"), labels);
            Assert.Equal([1, 4, 4, 2], _batchSizes);
            Assert.Equal((4L, 11L, 4), batcher.Statistics);
        });

    [Fact]
    public Task A_batch_waits_for_admitted_requests_still_on_their_way_and_takes_them_all() =>
        With(maxBatchSize: 16, maxWait: TimeSpan.FromHours(1), capacity: 8, async batcher =>
        {
            var slots = Enumerable.Range(0, 3).Select(_ => batcher.TryAdmit()!).ToList();

            // The first is queued while the other two are still "uploading": the batch waits for them, not for the hour.
            var answers = slots.Select((slot, i) => Answer(slot, Pixel(i + 1))).ToList();

            Assert.Equal(["red 1", "red 2", "red 3"], await Task.WhenAll(answers));
            Assert.Equal([3], _batchSizes);
        });

    [Fact]
    public Task A_request_alone_runs_at_once_without_waiting_out_the_batch_window() =>
        With(maxBatchSize: 16, maxWait: TimeSpan.FromHours(1), capacity: 4, async batcher =>
        {
            string label = await Answer(batcher.TryAdmit()!, Pixel(7)).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal("red 7", label);
        });

    [Fact]
    public Task An_unreadable_image_fails_only_its_own_request() =>
        With(maxBatchSize: 8, maxWait: TimeSpan.FromHours(1), capacity: 8, async batcher =>
        {
            var slots = Enumerable.Range(0, 3).Select(_ => batcher.TryAdmit()!).ToList();

            var good1 = Answer(slots[0], Pixel(1));
            var bad = Answer(slots[1], TestImages.Text("not a picture"));
            var good2 = Answer(slots[2], Pixel(2));

            Assert.Equal("red 1", await good1);
            Assert.Equal("red 2", await good2);
            var error = await Assert.ThrowsAsync<ImageDecodeException>(() => bad);
            Assert.Equal("not an image (unrecognised format)", error.Reason);
            // The three went in together; after the failure each went alone.
            Assert.Equal([3, 1, 1, 1], _batchSizes);
        });

    [Fact]
    public Task Every_batch_that_ran_is_reported_with_its_size() =>
        With(maxBatchSize: 4, maxWait: TimeSpan.Zero, capacity: 8, async batcher =>
        {
            var holder = await HoldTheModel(batcher);
            var answers = Enumerable.Range(0, 6).Select(i => Answer(batcher.TryAdmit()!, Pixel(i + 1))).ToList();
            _gate.Set();

            await Task.WhenAll(answers.Append(holder));

            Assert.Equal([1, 4, 2], _reported);
        });

    [Fact]
    public Task Admission_stops_at_capacity_and_a_freed_slot_admits_again() =>
        With(maxBatchSize: 2, maxWait: TimeSpan.Zero, capacity: 2, batcher =>
        {
            var first = batcher.TryAdmit();
            var second = batcher.TryAdmit();
            var third = batcher.TryAdmit();
            first!.Dispose();
            first.Dispose(); // twice frees one slot, not two
            var fourth = batcher.TryAdmit();
            var fifth = batcher.TryAdmit();

            Assert.NotNull(second);
            Assert.Null(third);
            Assert.NotNull(fourth);
            Assert.Null(fifth);
            Assert.Equal(2, batcher.Admitted);
            return Task.CompletedTask;
        });

    async Task With(int maxBatchSize, TimeSpan maxWait, int capacity, Func<PredictionBatcher, Task> test)
    {
        using var batcher = new PredictionBatcher(RedModel, maxBatchSize, maxWait, capacity, _reported.Enqueue);
        await batcher.StartAsync(CancellationToken.None);
        try
        {
            await test(batcher);
        }
        finally
        {
            _gate.Set();
            await batcher.StopAsync(CancellationToken.None);
        }
    }

    static byte[] Pixel(int red) => ImageEncoder.Encode(TestImages.Solid(1, 1, (byte)red, 0, 0), ImageFormat.Png);

    /// <summary>Predicts one image and frees the slot once answered, as the endpoint does.</summary>
    static async Task<string> Answer(PredictionBatcher.Slot slot, byte[] image)
    {
        using (slot)
            return (await slot.PredictAsync(image)).Prediction.Label;
    }
}
