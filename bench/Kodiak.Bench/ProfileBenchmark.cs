using System.Diagnostics;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;

namespace Kodiak.Bench;

/// <summary>
/// Where an epoch's time goes: one unfrozen one-cycle epoch of the Learner (FineTune's second phase) per precision,
/// its wall time split by the learner's events into waiting for the next batch (decoding, cropping and augmentation run
/// ahead on other threads, so only a starved step shows here), forward, loss, backward, optimiser step, the rest of
/// the batch, and the validation pass with its metrics.
/// </summary>
internal static class ProfileBenchmark
{
    static readonly string[] Parts = ["waiting for the batch", "forward", "loss", "backward", "optimiser step", "rest of the batch", "validation + metrics"];

    public static int Run(string[] args)
    {
        int size = Cli.Option(args, "--size", 224), batchSize = Cli.Option(args, "--batch-size", 64);
        var dls = Cli.TrainingData(Cli.DataFolder(args), size, minScale: 0.5, batchSize);
        TrainingMemory.ReuseLargeBlocks = true;
        var profiles = new[] { Precision.Fp32, Precision.Bf16 }.Select(precision =>
        {
            using var learner = VisionLearner.Create(dls, Arch.ResNet18);
            learner.Precision = PrecisionChoice.Of(precision);
            learner.Unfreeze();
            var profile = new EpochProfile();
            learner.Callbacks.Add(profile);
            learner.FitOneCycle(1, new LrRange(1e-5, 1e-3), pctStart: 0.3, div: 5);
            return (precision, profile);
        }).ToList();
        Console.WriteLine($"{"part",-24}" + string.Concat(profiles.Select(p => $"{PrecisionChoice.ShortName(p.precision) + " s",10}{"share",7}")));
        for (int i = 0; i < Parts.Length; i++)
            Console.WriteLine($"{Parts[i],-24}" + string.Concat(profiles.Select(p => $"{p.profile.Seconds[i],10:0.0}{p.profile.Seconds[i] / p.profile.Total,7:P0}")));
        Console.WriteLine($"{"epoch",-24}" + string.Concat(profiles.Select(p => $"{p.profile.Total,10:0.0}{"",7}")));
        return 0;
    }

    sealed class EpochProfile : ILearnerCallback
    {
        long _mark;

        public double[] Seconds { get; } = new double[Parts.Length];

        public double Total => Seconds.Sum();

        void Lap(int part)
        {
            long now = Stopwatch.GetTimestamp();
            Seconds[part] += Stopwatch.GetElapsedTime(_mark, now).TotalSeconds;
            _mark = now;
        }

        public void BeforeTrain(TrainingState state) => _mark = Stopwatch.GetTimestamp();

        public void BeforeBatch(TrainingState state) => Lap(0);

        public void AfterPred(TrainingState state) => Lap(1);

        public void AfterLoss(TrainingState state) => Lap(2);

        public void AfterBackward(TrainingState state) => Lap(3);

        public void AfterStep(TrainingState state) => Lap(4);

        public void AfterBatch(TrainingState state) => Lap(5);

        public void BeforeValidate(TrainingState state) => Lap(0); // the wait for the loader's end of epoch

        public void AfterValidate(TrainingState state) => Lap(6);
    }
}
