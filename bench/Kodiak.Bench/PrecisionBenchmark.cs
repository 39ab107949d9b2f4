using System.Diagnostics;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;

namespace Kodiak.Bench;

/// <summary>
/// fp32 against bf16, each with and without channels-last input, on one model in one process: forward + backward +
/// fastai-Adam steps on one in-memory random batch (training mode), and no-grad eval forwards (the validation pass),
/// the modes taking turns for several rounds so that load on the machine falls on all of them alike.
/// </summary>
internal static class PrecisionBenchmark
{
    static readonly (string Name, Precision Precision, bool ChannelsLast)[] Modes =
    [
        ("fp32", Precision.Fp32, false), ("fp32 + channels-last", Precision.Fp32, true),
        ("bf16", Precision.Bf16, false), ("bf16 + channels-last", Precision.Bf16, true),
    ];

    public static int Run(string[] args)
    {
        int size = Cli.Option(args, "--size", 224), batchSize = Cli.Option(args, "--batch-size", 64);
        int steps = Cli.Option(args, "--steps", 3), rounds = Cli.Option(args, "--rounds", 3);
        Console.WriteLine($"{Environment.ProcessorCount} cores, {get_num_threads()} libtorch threads; batch {batchSize}, {size} px, " +
            $"{steps} steps per mode and round, {rounds} rounds; CPU: {PrecisionChoice.Of(Precision.Auto)}");
        using var model = new ClassifierModel(Arch.ResNet18, classes: 3);
        using var optimizer = new FastAdam([ParamGroup.Of(model.parameters())]);
        optimizer.SetLr(0, 1e-4);
        using var images = rand(batchSize, 3, size, size);
        using var labels = randint(3, [batchSize]);
        var train = Modes.ToDictionary(m => m.Name, _ => new List<double>());
        var eval = Modes.ToDictionary(m => m.Name, _ => new List<double>());
        for (int round = 0; round <= rounds; round++)
            foreach (var (name, precision, channelsLast) in Modes)
            {
                (model.Precision, model.ChannelsLast) = (precision, channelsLast);
                double trainRate = TrainRate(model, optimizer, images, labels, steps), evalRate = EvalRate(model, images, steps);
                if (round == 0) continue; // warm-up round: oneDNN builds its kernels for each mode
                train[name].Add(trainRate);
                eval[name].Add(evalRate);
            }
        double trainBase = Stats.Percentile(train["fp32"], 0.5), evalBase = Stats.Percentile(eval["fp32"], 0.5);
        Console.WriteLine($"{"mode",-22} {"train img/s",12} {"× fp32",7} {"eval img/s",11} {"× fp32",7}   (medians of {rounds} rounds)");
        foreach (var (name, _, _) in Modes)
        {
            double t = Stats.Percentile(train[name], 0.5), e = Stats.Percentile(eval[name], 0.5);
            Console.WriteLine($"{name,-22} {t,12:0.00} {t / trainBase,7:0.00} {e,11:0.00} {e / evalBase,7:0.00}");
        }
        return 0;
    }

    static double TrainRate(ClassifierModel model, FastAdam optimizer, Tensor images, Tensor labels, int steps)
    {
        model.train();
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(model.forward(images), labels).backward();
            optimizer.Step();
        }
        return steps * images.shape[0] / clock.Elapsed.TotalSeconds;
    }

    static double EvalRate(ClassifierModel model, Tensor images, int steps)
    {
        model.eval();
        using var noGrad = no_grad();
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            model.forward(images);
        }
        return steps * images.shape[0] / clock.Elapsed.TotalSeconds;
    }
}
