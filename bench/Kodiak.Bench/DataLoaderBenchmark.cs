using System.Diagnostics;
using Kodiak.Training.Data;

namespace Kodiak.Bench;

/// <summary>
/// Can loading starve training? Images/s the DataLoaders deliver as augmented 224-px training batches,
/// next to images/s of one ResNet18 forward + backward step at the same batch size, in one run.
/// </summary>
internal static class DataLoaderBenchmark
{
    const int Size = 224;

    public static int Run(string[] args)
    {
        int batchSize = Cli.Option(args, "--batch-size", 64), epochs = Cli.Option(args, "--epochs", 2), steps = Cli.Option(args, "--steps", 3);
        var dls = Cli.TrainingData(Cli.DataFolder(args), Size, minScale: 0.35, batchSize);

        Consume(dls.Train.Epoch(0));
        var clock = Stopwatch.StartNew();
        int images = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
            images += Consume(dls.Train.Epoch(epoch));
        double loaderRate = images / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"DataLoaders (decode + RandomResizedCrop + Augment.Default): {loaderRate:0.0} images/s over {images} images");

        double modelRate = TrainBenchmark.BareLoopRate(dls.Vocab.Count, batchSize, Size, steps);
        Console.WriteLine($"ResNet18 + head forward + backward + AdamW step:          {modelRate:0.0} images/s over {steps} steps");
        Console.WriteLine($"ratio loader / model: {loaderRate / modelRate:0.00} (above 1: loading keeps up with training)");
        return 0;
    }

    static int Consume(IEnumerable<Batch> batches)
    {
        int images = 0;
        foreach (var batch in batches)
            using (batch)
                images += batch.Paths.Count;
        return images;
    }
}
