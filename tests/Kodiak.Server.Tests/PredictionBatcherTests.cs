using System.Collections.Concurrent;
using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Vision;

namespace Kodiak.Server.Tests;

/// <summary>The micro-batcher on a stand-in model whose class is the red value of a one-pixel PNG.</summary>
public sealed class PredictionBatcherTests
{
    readonly ConcurrentQueue<int> _batchSizes = new();

    IReadOnlyList<Prediction> RedModel(IReadOnlyList<ImageSource> images)
    {
        _batchSizes.Enqueue(images.Count);
        return [.. images.Select(image =>
        {
            byte red = ImageDecoder.Decode(image).Pixels[0];
            return new Prediction($"red {red}", red, [1f]);
        })];
    }

    [Fact]
    public Task Requests_that_arrive_together_share_batches_of_at_most_the_batch_size() =>
        With(maxBatchSize: 4, maxWait: TimeSpan.FromMilliseconds(200), capacity: 10, async batcher =>
        {
            var slots = Enumerable.Range(0, 10).Select(_ => batcher.TryAdmit()!).ToList();

            var labels = await Task.WhenAll(slots.Select((slot, i) => Answer(slot, Pixel(i + 1))));

            Assert.Equal(Enumerable.Range(1, 10).Select(i => $"red {i}"), labels);
            Assert.Equal([4, 4, 2], _batchSizes);
            Assert.Equal((3L, 10L, 4), batcher.Statistics);
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
        With(maxBatchSize: 8, maxWait: TimeSpan.FromMilliseconds(200), capacity: 8, async batcher =>
        {
            var slots = Enumerable.Range(0, 3).Select(_ => batcher.TryAdmit()!).ToList();

            var good1 = Answer(slots[0], Pixel(1));
            var bad = Answer(slots[1], TestImages.Text("not a picture"));
            var good2 = Answer(slots[2], Pixel(2));

            Assert.Equal("red 1", await good1);
            Assert.Equal("red 2", await good2);
            var error = await Assert.ThrowsAsync<ImageDecodeException>(() => bad);
            Assert.Equal("not an image (unrecognised format)", error.Reason);
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
        using var batcher = new PredictionBatcher(RedModel, maxBatchSize, maxWait, capacity);
        await batcher.StartAsync(CancellationToken.None);
        try
        {
            await test(batcher);
        }
        finally
        {
            await batcher.StopAsync(CancellationToken.None);
        }
    }

    static byte[] Pixel(int red) => ImageEncoder.Encode(TestImages.Solid(1, 1, (byte)red, 0, 0), ImageFormat.Png);

    /// <summary>Predicts one image and frees the slot once answered, as the endpoint does.</summary>
    static async Task<string> Answer(PredictionBatcher.Slot slot, byte[] image)
    {
        using (slot)
            return (await slot.PredictAsync(image)).Label;
    }
}
