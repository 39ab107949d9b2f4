using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Kodiak.Training;
using Kodiak.Vision;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak train DATA --out DIR</c>: fine-tunes the pretrained ResNet18 on a folder per class.</summary>
internal static class TrainCommand
{
    public static Command Create(Terminal terminal)
    {
        var data = new Argument<string>("DATA") { Description = "Data folder with one subfolder of images per class." };
        var output = new Option<string>("--out") { Description = "Folder for the trained model and its report.", Required = true };
        var size = new Option<int>("--size") { Description = "Image size the model sees, in pixels.", DefaultValueFactory = _ => 224 };
        var resize = new Option<string>("--resize") { Description = "How training images reach that size.", DefaultValueFactory = _ => "random-crop" };
        resize.AcceptOnlyFromAmong(FolderData.ResizeMethods);
        var minScale = new Option<double>("--min-scale") { Description = "Smallest area fraction kept by random-crop.", DefaultValueFactory = _ => 0.5 };
        var noAug = new Option<bool>("--no-aug") { Description = "Turn off batch augmentation (on by default)." };
        var aug = new Option<bool>("--aug") { Description = "Batch augmentation: flip, rotate, zoom, warp, lighting (the default)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs with everything trainable.", DefaultValueFactory = _ => 4 };
        var freezeEpochs = new Option<int>("--freeze-epochs") { Description = "Epochs training only the head first.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Base learning rate (the head's).", DefaultValueFactory = _ => 2e-3 };
        var batchSize = new Option<int>("--bs") { Description = "Batch size.", DefaultValueFactory = _ => 64 };
        var validPct = new Option<double>("--valid-pct") { Description = "Fraction of images held out for validation.", DefaultValueFactory = _ => 0.2 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, shuffling, augmentation and initialisation.", DefaultValueFactory = _ => 42 };
        var threads = new Option<int?>("--threads") { Description = "Threads for libtorch (default: all cores)." };
        var command = new Command("train", "Fine-tune the pretrained ResNet18 on DATA (fastai's fine_tune) and save the model and a report.")
        {
            data, output, size, resize, minScale, aug, noAug, epochs, freezeEpochs, lr, batchSize, validPct, seed, threads,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(aug) && result.GetValue(noAug)) result.AddError("Use --aug or --no-aug, not both.");
        });
        command.SetAction(parse =>
        {
            var settings = new TrainSettings(parse.GetValue(data)!, parse.GetValue(output)!, parse.GetValue(size), parse.GetValue(resize)!,
                parse.GetValue(minScale), !parse.GetValue(noAug), parse.GetValue(epochs), parse.GetValue(freezeEpochs), parse.GetValue(lr),
                parse.GetValue(batchSize), parse.GetValue(validPct), parse.GetValue(seed), parse.GetValue(threads));
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCtrlC = (_, e) =>
            {
                if (stop.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
                e.Cancel = true;
                stop.Cancel();
                terminal.Error.MarkupLine("[yellow]Stopping after this batch[/] (Ctrl+C again to quit at once)…");
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                int code = terminal.Run(() => Train(terminal, settings, stop.Token));
                return code == 0 && stop.IsCancellationRequested ? InterruptedExitCode : code;
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
        });
        return command;
    }

    // The shell's convention for "stopped by Ctrl+C" (128 + SIGINT), so scripts can tell.
    const int InterruptedExitCode = 130;

    internal sealed record TrainSettings(string Data, string Out, int Size, string Resize, double MinScale, bool Augment, int Epochs,
        int FreezeEpochs, double Lr, int BatchSize, double ValidPct, ulong Seed, int? Threads);

    internal static void Train(Terminal terminal, TrainSettings s, CancellationToken cancellation)
    {
        var console = terminal.Out;
        if (s.Threads is int n) TorchSharp.torch.set_num_threads(n);
        var sizing = FolderData.Sizing(s.Resize, s.Size, s.MinScale);
        var block = FolderData.Block(sizing, s.Augment, s.ValidPct, s.Seed);
        var dls = block.DataLoaders(s.Data, s.BatchSize, s.Seed);
        foreach (var warning in dls.Warnings)
            terminal.Error.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        console.MarkupLineInterpolated(
            $"{dls.Train.Items.Count} training and {dls.Valid.Items.Count} validation images, classes {string.Join(", ", dls.Vocab)}; {sizing}{(s.Augment ? " + augmentation" : "")}.");

        using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: s.Seed);
        learner.Cancellation = cancellation;
        var table = new TrainingTable(console, learner.Metrics);
        learner.Callbacks.Add(table);
        var clock = Stopwatch.StartNew();
        table.Run(() => learner.FineTune(s.Epochs, s.Lr, s.FreezeEpochs));
        double seconds = clock.Elapsed.TotalSeconds;
        if (learner.Recorder.Interrupted)
            terminal.Error.MarkupLine("[yellow]Stopped:[/] keeping the weights of the last finished epoch.");

        Directory.CreateDirectory(s.Out);
        string modelPath = Path.Combine(s.Out, "model.kodiak");
        learner.Export(modelPath);
        WriteReport(Path.Combine(s.Out, "report"), learner, dls, block.ItemTransforms, seconds);
        var last = learner.Recorder.Epochs.LastOrDefault();
        console.MarkupLineInterpolated($"Trained in {seconds:0} s; error rate {(last is null ? "n/a" : last.Metrics[0].Value.ToString("0.0000"))}. Saved {modelPath} and {Path.Combine(s.Out, "report")}.");
    }

    /// <summary>Writes DIR/report: metrics.json, the loss plot, the confusion matrix (PNG and text, with per-class scores) and the top losses.</summary>
    static void WriteReport(string folder, Learner learner, DataLoaders dls, IReadOnlyList<IItemTransform> validationTransforms, double seconds)
    {
        Directory.CreateDirectory(folder);
        if (learner.Recorder.Losses.Count > 0)
            learner.Recorder.PlotLoss(Path.Combine(folder, "loss.png"));
        var interpretation = learner.Interpret();
        interpretation.PlotConfusionMatrix(Path.Combine(folder, "confusion_matrix.png"));
        File.WriteAllText(Path.Combine(folder, "confusion_matrix.txt"),
            interpretation.ConfusionMatrixText() + Environment.NewLine + interpretation.ClassificationReportText());
        interpretation.PlotTopLosses(Math.Min(9, dls.Valid.Items.Count), Path.Combine(folder, "top_losses.png"), validationTransforms);
        var epochs = learner.Recorder.Epochs;
        int trainedImages = epochs.Count * dls.Train.Count * dls.Train.BatchSize;
        var report = new
        {
            epochs = epochs.Select(e => new Dictionary<string, object>
            {
                ["epoch"] = e.Epoch, ["phase"] = e.Phase, ["train_loss"] = e.TrainLoss, ["valid_loss"] = e.ValidLoss,
            }.Concat(e.Metrics.Select(m => KeyValuePair.Create(m.Name, (object)m.Value))).Append(KeyValuePair.Create("seconds", (object)e.Seconds))
             .ToDictionary()),
            error_rate = epochs.LastOrDefault()?.Metrics.FirstOrDefault(m => m.Name == Metrics.ErrorRate.Name).Value,
            train_seconds = seconds,
            images_per_second = trainedImages / seconds,
            classes = dls.Vocab,
            interrupted = learner.Recorder.Interrupted,
        };
        File.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    }
}
