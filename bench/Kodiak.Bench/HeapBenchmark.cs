using Kodiak.Training.Learn;

namespace Kodiak.Bench;

/// <summary>
/// Does reusing libtorch's large freed blocks (<see cref="TrainingMemory.ReuseLargeBlocks"/>) speed up training?
/// Images/s of the bare forward + backward + AdamW loop of <see cref="TrainBenchmark"/> with glibc's default heap and
/// with reuse, alternating in one process so that both see the same machine.
/// </summary>
internal static class HeapBenchmark
{
    public static int Run(string[] args)
    {
        int size = Cli.Option(args, "--size", 224), batchSize = Cli.Option(args, "--batch-size", 64), steps = Cli.Option(args, "--steps", 3),
            rounds = Cli.Option(args, "--rounds", 2);
        var rates = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (int round = 0; round < rounds; round++)
            foreach (bool reuse in new[] { false, true })
            {
                TrainingMemory.ReuseLargeBlocks = reuse;
                if (TrainingMemory.ReuseLargeBlocks != reuse)
                {
                    Console.Error.WriteLine("This C library cannot be tuned (glibc on Linux only).");
                    return 1;
                }
                double rate = TrainBenchmark.BareLoopRate(classes: 3, batchSize, size, steps);
                rates[reuse].Add(rate);
                Console.WriteLine($"round {round + 1}, {(reuse ? "reuse freed blocks" : "glibc default     ")}: {rate:0.00} images/s over {steps} steps");
            }
        double off = rates[false].Average(), on = rates[true].Average();
        Console.WriteLine($"mean: default {off:0.00}, reuse {on:0.00} images/s; ratio reuse / default {on / off:0.000}");
        return 0;
    }
}
