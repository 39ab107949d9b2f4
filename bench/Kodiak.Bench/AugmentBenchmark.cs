using System.Diagnostics;
using Kodiak.Training.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Bench;

/// <summary>What fastai's batch augmentation costs: ms per <c>Augment.Default().Apply</c> on an ImageNet-sized batch.</summary>
internal static class AugmentBenchmark
{
    public static int Run(string[] args)
    {
        int batchSize = Cli.Option(args, "--batch-size", 64), size = Cli.Option(args, "--size", 224), runs = Cli.Option(args, "--runs", 3);
        using var scope = NewDisposeScope();
        using var generator = new torch.Generator(20);
        using var seed = new torch.Generator(7);
        var batch = rand([batchSize, 3, size, size], generator: seed);
        var augment = Augment.Default();
        augment.Apply(batch, generator).Dispose(); // warm-up: the first call sets up libtorch's kernels

        var clock = Stopwatch.StartNew();
        for (int i = 0; i < runs; i++)
            augment.Apply(batch, generator).Dispose();
        Console.WriteLine($"Augment.Default().Apply on [{batchSize}, 3, {size}, {size}]: {clock.Elapsed.TotalMilliseconds / runs:F0} ms per batch " +
            $"over {runs} runs ({torch.get_num_threads()} libtorch threads)");
        return 0;
    }
}
