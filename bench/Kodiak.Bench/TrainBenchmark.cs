using System.Diagnostics;
using Kodiak.Training.Data;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;

namespace Kodiak.Bench;

/// <summary>
/// Does the Learner cost speed? Training images/s of an unfrozen one-cycle epoch (FineTune's second phase,
/// with data loading and augmentation) next to a bare TorchSharp forward + backward + Adam loop on the same
/// model, batch size and image size over one in-memory batch, measured before and after it in one run.
/// </summary>
internal static class TrainBenchmark
{
    public static int Run(string[] args)
    {
        int size = Cli.Option(args, "--size", 224), batchSize = Cli.Option(args, "--batch-size", 64), steps = Cli.Option(args, "--steps", 4);
        var dls = Cli.TrainingData(Cli.DataFolder(args), size, minScale: 0.5, batchSize);
        // The heap as a learner sets it, for the bare loop before it too (bench heap measures the difference).
        TrainingMemory.ReuseLargeBlocks = true;

        double bareBefore = BareLoopRate(dls.Vocab.Count, batchSize, size, steps);
        Console.WriteLine($"bare loop (before):          {bareBefore:0.00} images/s over {steps} steps");
        double learner = LearnerRate(dls);
        Console.WriteLine($"Learner, unfrozen one-cycle: {learner:0.00} images/s over {dls.Train.Count - 1} batches (loading + augmentation included)");
        double bareAfter = BareLoopRate(dls.Vocab.Count, batchSize, size, steps);
        Console.WriteLine($"bare loop (after):           {bareAfter:0.00} images/s over {steps} steps");
        double bare = (bareBefore + bareAfter) / 2;
        Console.WriteLine($"ratio Learner / bare loop: {learner / bare:0.000} (target ≥ 0.9)");
        return 0;
    }

    /// <summary>Images/s between the first and the last batch of one unfrozen epoch, so validation and the first batch's warm-up are left out.</summary>
    static double LearnerRate(DataLoaders dls)
    {
        using var learner = VisionLearner.Create(dls, Arch.ResNet18);
        learner.Unfreeze();
        var timer = new BatchTimer();
        learner.Callbacks.Add(timer);
        learner.FitOneCycle(1, new LrRange(1e-5, 1e-3), pctStart: 0.3, div: 5);
        return (timer.Batches - 1) * dls.Train.BatchSize / timer.Elapsed.TotalSeconds;
    }

    /// <summary>Images/s of forward + backward + AdamW steps of the classifier on one in-memory random batch (the first step warms up).</summary>
    internal static double BareLoopRate(int classes, int batchSize, int size, int steps)
    {
        using var model = new ClassifierModel(Arch.ResNet18, classes);
        model.train();
        using var optimizer = optim.AdamW(model.parameters(), 1e-4, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        using var images = rand(batchSize, 3, size, size);
        using var labels = randint(classes, [batchSize]);
        var clock = new Stopwatch();
        for (int step = 0; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            if (step == 1) clock.Start(); // step 0 warms up
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.forward(images), labels).backward();
            optimizer.step();
        }
        return steps * batchSize / clock.Elapsed.TotalSeconds;
    }

    sealed class BatchTimer : ILearnerCallback
    {
        long _first, _last;

        public int Batches { get; private set; }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_first, _last);

        public void AfterBatch(TrainingState state)
        {
            _last = Stopwatch.GetTimestamp();
            if (Batches++ == 0) _first = _last;
        }
    }
}
