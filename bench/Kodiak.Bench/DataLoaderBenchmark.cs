using System.Diagnostics;
using Kodiak.Training;
using Kodiak.Vision;
using TorchSharp;
using static TorchSharp.torch;

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
        string folder = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : Path.Combine("..", "shared", "data", "clipart3");
        int batchSize = Option(args, "--batch-size", 64), epochs = Option(args, "--epochs", 2), steps = Option(args, "--steps", 3);
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"dataloader: data folder not found: '{folder}'");
            return 1;
        }

        var block = new DataBlock((new ImageBlock(), new CategoryBlock()), ImageFiles.Get, new RandomSplitter(0.2, seed: 42), Labels.ParentFolder,
            [new RandomResizedCrop(Size, minScale: 0.35)], [Augment.Default()]);
        var dls = block.DataLoaders(folder, batchSize);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores; data: {folder}, {dls.Train.Items.Count} training images, batch {batchSize}, {Size} px");

        Consume(dls.Train.Epoch(0));
        var clock = Stopwatch.StartNew();
        int images = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
            images += Consume(dls.Train.Epoch(epoch));
        double loaderRate = images / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"DataLoaders (decode + RandomResizedCrop + Augment.Default): {loaderRate:0.0} images/s over {images} images");

        double modelRate = TrainStepRate(batchSize, dls.Vocab.Count, steps);
        Console.WriteLine($"ResNet18 forward + backward + Adam step:                  {modelRate:0.0} images/s over {steps} steps");
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

    static double TrainStepRate(int batchSize, int classes, int steps)
    {
        using var body = ResNet18Body.LoadPretrained();
        using var head = nn.Linear(ResNet18Body.FeatureChannels, classes);
        var parameters = body.parameters().Concat(head.parameters()).ToList();
        using var optimizer = optim.Adam(parameters, 1e-3);
        var clock = new Stopwatch();
        for (int step = 0; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            var x = CntkImageNetInput.Apply(rand(batchSize, 3, Size, Size));
            var y = randint(classes, [batchSize]);
            if (step == 1) clock.Start(); // step 0 warms up
            optimizer.zero_grad();
            nn.functional.cross_entropy(head.forward(body.PooledFeatures(x)), y).backward();
            optimizer.step();
        }
        return steps * batchSize / clock.Elapsed.TotalSeconds;
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out int value) && value > 0 ? value : fallback;
    }
}
