using System.Runtime.InteropServices;
using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using Kodiak.Vision.Transforms;
using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Bench;

/// <summary>
/// Kodiak against fastai on the same batches (quality/README.md, "Why Kodiak's errors differed"): <c>dump</c> writes the
/// training batches <c>kodiak train</c> would draw and its validation batches as raw float32 files, for
/// quality/crossfeed.py to feed to fastai; <c>replay</c> trains Kodiak's model, optimiser and schedule, step by step as
/// the Learner does, on batches fastai dumped, optionally from fastai's initial head and without dropout, printing
/// every step's loss.
/// </summary>
internal static class CrossFeed
{
    public static int Run(string[] args)
    {
        if (args.Length < 3 || args[0] is not ("dump" or "replay")) return Usage();
        string data = Path.GetFullPath(args[1]), folder = args[2];
        int size = Cli.Option(args, "--size", 128), epochs = Cli.Option(args, "--epochs", 4), seed = Cli.Option(args, "--seed", 1);
        return args[0] == "dump" ? Dump(data, folder, size, epochs, (ulong)seed) : Replay(data, folder, size, epochs, seed, args);
    }

    static int Usage()
    {
        Console.Error.WriteLine("usage: crossfeed dump DATA FOLDER [--size 128] [--epochs 4] [--seed 1]\n" +
            "       crossfeed replay DATA FOLDER [--size 128] [--epochs 4] [--seed 1] [--no-dropout] [--head HEADFOLDER]");
        return 2;
    }

    /// <summary>The data exactly as <c>kodiak train DATA --size S --seed N</c> loads it (batch size 64).</summary>
    static DataLoaders Load(string data, int size, ulong seed) =>
        ImageDataLoaders.FromFolder(data, validPct: 0.2, seed: seed, itemTransforms: [new RandomResizedCrop(size, 0.5)],
            batchTransforms: [Augment.Default()], batchSize: 64);

    static int Dump(string data, string folder, int size, int epochs, ulong seed)
    {
        Directory.CreateDirectory(folder);
        var dls = Load(data, size, seed);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), dls.Vocab);
        File.WriteAllLines(Path.Combine(folder, "valid.txt"), dls.Valid.Items.Select(i => Relative(data, i.Path)).Order(StringComparer.Ordinal));
        int index = 0;
        foreach (var batch in dls.Valid.Epoch(0))
            using (batch) Write(folder, $"valid-{index++:D3}", batch, data);
        // kodiak train's frozen epoch draws data epoch 0 and its unfrozen epochs 1, 2, …
        for (int epoch = 0; epoch <= epochs; epoch++)
        {
            index = 0;
            foreach (var batch in dls.Train.Epoch(epoch))
                using (batch) Write(folder, $"train-e{epoch}-b{index++:D3}", batch, data);
        }
        Console.WriteLine($"{dls.Train.Items.Count} training images ({dls.Train.Count} batches an epoch, epochs 0–{epochs}), {dls.Valid.Items.Count} validation images -> {folder}");
        return 0;
    }

    static void Write(string folder, string name, Batch batch, string data)
    {
        File.WriteAllBytes(Path.Combine(folder, name + ".x"), MemoryMarshal.AsBytes(batch.Images.contiguous().data<float>().ToArray().AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(folder, name + ".y"), MemoryMarshal.AsBytes(batch.Labels.data<long>().ToArray().AsSpan()).ToArray());
        File.WriteAllLines(Path.Combine(folder, name + ".paths"), batch.Paths.Select(p => Relative(data, p)));
    }

    static string Relative(string data, string path) => Path.GetRelativePath(data, path).Replace('\\', '/');

    static Tensor ReadFloats(string path, long[] shape) => tensor(MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray()).reshape(shape);

    static (Tensor Images, Tensor Labels) ReadBatch(string folder, string name, int size)
    {
        var labels = MemoryMarshal.Cast<byte, long>(File.ReadAllBytes(Path.Combine(folder, name + ".y"))).ToArray();
        return (ReadFloats(Path.Combine(folder, name + ".x"), [labels.Length, 3, size, size]), tensor(labels));
    }

    /// <summary>The Learner's fine_tune, written out step by step so that the batches can come from files.</summary>
    static int Replay(string data, string folder, int size, int epochs, int seed, string[] args)
    {
        bool noDropout = args.Contains("--no-dropout");
        int headAt = Array.IndexOf(args, "--head");
        var vocab = File.ReadAllLines(Path.Combine(folder, "vocab.txt"));
        torch.manual_seed(seed);
        using var model = new ClassifierModel(Arch.ResNet18, vocab.Length);
        if (headAt >= 0)
            using (no_grad())
            {
                string head = args[headAt + 1];
                model.Head.get_parameter("lin1.weight")!.copy_(ReadFloats(Path.Combine(head, "lin1.w"), [512, 1024]));
                model.Head.get_parameter("lin2.weight")!.copy_(ReadFloats(Path.Combine(head, "lin2.w"), [vocab.Length, 512]));
            }
        var groups = model.ParameterGroups();
        using var optimizer = new FastAdam([.. groups.Select(g => ParamGroup.Of(g.Select(p => p.Parameter)))]);
        var valid = Directory.GetFiles(folder, "valid-*.x").Order(StringComparer.Ordinal).Select(f => Path.GetFileNameWithoutExtension(f)!).ToList();
        int batches = Directory.GetFiles(folder, "train-e0-b*.x").Length, dataEpoch = 0;
        Console.WriteLine($"{data}: {batches} batches an epoch, {valid.Count} validation batches, dropout {(noDropout ? "off" : "on")}, head {(headAt >= 0 ? args[headAt + 1] : $"seed {seed}")}");

        void FreezeTo(int frozen)
        {
            for (int g = 0; g < groups.Count; g++)
                foreach (var (_, p) in groups[g]) p.requires_grad = g >= frozen || p.dim() == 1;
            optimizer.ClearState();
        }

        void Fit(int count, double[] peaks, double pctStart, double div, string phase)
        {
            var schedule = new OneCycleSchedule(count * batches, pctStart, div);
            for (int epoch = 0, step = 0; epoch < count; epoch++, dataEpoch++)
            {
                model.train();
                if (noDropout)
                    foreach (var (_, module) in model.named_modules())
                        if (module is GeneratorDropout) module.eval();
                var losses = new List<double>();
                for (int b = 0; b < batches; b++, step++)
                    using (NewDisposeScope())
                    {
                        var (x, y) = ReadBatch(folder, $"train-e{dataEpoch}-b{b:D3}", size);
                        for (int g = 0; g < peaks.Length; g++) optimizer.SetLr(g, schedule.Lr(peaks[g], step));
                        optimizer.Beta1 = schedule.Momentum(step);
                        var loss = nn.functional.cross_entropy(model.forward(x), y);
                        optimizer.ZeroGrad();
                        loss.backward();
                        optimizer.Step();
                        losses.Add(loss.item<float>());
                    }
                model.eval();
                double total = 0;
                int seen = 0, wrong = 0;
                using (no_grad())
                    foreach (var name in valid)
                        using (NewDisposeScope())
                        {
                            var (x, y) = ReadBatch(folder, name, size);
                            var logits = model.forward(x);
                            total += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                            seen += (int)y.shape[0];
                            wrong += (int)logits.argmax(1).ne(y).sum().item<long>();
                        }
                Console.WriteLine($"{phase} {epoch} step losses {string.Join(" ", losses.Select(l => l.ToString("F4")))}");
                Console.WriteLine($"{phase} {epoch} valid_loss {total / seen:F6} error_rate {(double)wrong / seen:F6} ({wrong}/{seen})");
            }
        }

        FreezeTo(groups.Count - 1);
        Fit(1, LrRange.UpTo(2e-3).ForGroups(groups.Count), 0.99, 25, "frozen");
        if (epochs > 0)
        {
            FreezeTo(0);
            Fit(epochs, new LrRange(1e-5, 1e-3).ForGroups(groups.Count), 0.3, 5, "unfrozen");
        }
        return 0;
    }
}
