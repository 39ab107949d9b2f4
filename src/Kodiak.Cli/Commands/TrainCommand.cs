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
        var output = new Option<string>("--out") { Description = "Folder for the trained model and its report.", Required = true };
        var epochs = new Option<int>("--epochs") { Description = "Epochs with everything trainable.", DefaultValueFactory = _ => 4 }
            .Must(n => n >= 0, "must be 0 or more");
        var freezeEpochs = new Option<int>("--freeze-epochs") { Description = "Epochs training only the head first.", DefaultValueFactory = _ => 1 }
            .Must(n => n >= 0, "must be 0 or more");
        var lr = new Option<double>("--lr") { Description = "Base learning rate (the head's).", DefaultValueFactory = _ => 2e-3 }
            .Must(v => v > 0 && double.IsFinite(v), "must be above 0");
        var checkpoint = new Option<bool>("--checkpoint") { Description = "Save a checkpoint to OUT/checkpoint after every epoch." };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/checkpoint (same data and options), checkpointing on." };
        var command = new Command("train", "Fine-tune the pretrained ResNet18 on DATA (fastai's fine_tune) and save the model and a report.")
        {
            output, epochs, freezeEpochs, lr, checkpoint, resume,
        };
        var dataOptions = new DataSettings.Options(command);
        command.SetAction(parse =>
        {
            var settings = new TrainSettings(dataOptions.Read(parse), parse.GetValue(output)!, parse.GetValue(epochs), parse.GetValue(freezeEpochs),
                parse.GetValue(lr), parse.GetValue(checkpoint) || parse.GetValue(resume), parse.GetValue(resume));
            return terminal.RunStoppable("after this batch", stop => Train(terminal, settings, stop));
        });
        return command;
    }

    internal sealed record TrainSettings(DataSettings Data, string Out, int Epochs, int FreezeEpochs, double Lr, bool Checkpoint, bool Resume)
    {
        /// <summary>What must be the same to resume a run: everything that shapes the data and the schedule.</summary>
        public string Recipe => JsonSerializer.Serialize(new { Data = Data with { Threads = null }, Epochs, FreezeEpochs, Lr }, Terminal.Json);
    }


    internal static void Train(Terminal terminal, TrainSettings s, CancellationToken cancellation)
    {
        var console = terminal.Out;
        string checkpointFolder = Path.Combine(s.Out, "checkpoint");
        string recipePath = Path.Combine(checkpointFolder, "recipe.json");
        string checkpointPath = Path.Combine(checkpointFolder, "learner.bin");
        if (s.Resume) CheckSameRecipe(recipePath, s.Recipe);
        var (block, dls) = s.Data.Load(terminal);

        using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: s.Data.Seed);
        learner.Cancellation = cancellation;
        if (s.Resume)
        {
            learner.LoadCheckpoint(checkpointPath);
            console.MarkupLineInterpolated($"Resuming from {checkpointPath} after {learner.Recorder.Epochs.Count} finished epochs.");
        }
        if (s.Checkpoint)
        {
            Directory.CreateDirectory(checkpointFolder);
            File.WriteAllText(recipePath, s.Recipe);
            learner.CheckpointPath = checkpointPath;
        }
        var table = new TrainingTable(console, learner.Metrics);
        learner.Callbacks.Add(table);
        var clock = Stopwatch.StartNew();
        table.Run(() => learner.FineTune(s.Epochs, s.Lr, s.FreezeEpochs));
        double seconds = clock.Elapsed.TotalSeconds;
        if (learner.Recorder.Interrupted)
            terminal.Error.MarkupLine(s.Checkpoint
                ? "[yellow]Stopped:[/] keeping the weights of the last finished epoch; run again with --resume to continue."
                : "[yellow]Stopped:[/] keeping the weights of the last finished epoch.");

        Directory.CreateDirectory(s.Out);
        string modelPath = Path.Combine(s.Out, "model.kodiak");
        learner.Export(modelPath);
        WriteReport(Path.Combine(s.Out, "report"), learner, dls, block.ItemTransforms);
        var last = learner.Recorder.Epochs.LastOrDefault();
        console.MarkupLineInterpolated($"Trained in {seconds:0} s; error rate {(last is null ? "n/a" : last.Metrics[0].Value.ToString("0.0000"))}. Saved {modelPath} and {Path.Combine(s.Out, "report")}.");
    }

    static void CheckSameRecipe(string recipePath, string recipe)
    {
        if (!File.Exists(recipePath))
            throw new FileNotFoundException($"Nothing to resume: no checkpoint in {Path.GetDirectoryName(recipePath)} (train with --checkpoint first).", recipePath);
        string saved = File.ReadAllText(recipePath);
        if (saved != recipe)
            throw new InvalidDataException($"--resume needs the same data and options as the run that saved {recipePath}:{Environment.NewLine}{saved}");
    }

    static void WriteReport(string folder, Learner learner, DataLoaders dls, IReadOnlyList<IItemTransform> validationTransforms)
    {
        Directory.CreateDirectory(folder);
        if (learner.Recorder.Losses.Count > 0)
            learner.Recorder.PlotLoss(Path.Combine(folder, "loss.png"));
        // Without validation images there is nothing to interpret; the data summary has already warned.
        if (dls.Valid.Items.Count > 0)
        {
            var interpretation = learner.Interpret();
            interpretation.PlotConfusionMatrix(Path.Combine(folder, "confusion_matrix.png"));
            File.WriteAllText(Path.Combine(folder, "confusion_matrix.txt"),
                interpretation.ConfusionMatrixText() + Environment.NewLine + interpretation.ClassificationReportText());
            interpretation.PlotTopLosses(Math.Min(9, dls.Valid.Items.Count), Path.Combine(folder, "top_losses.png"), validationTransforms);
        }
        var epochs = learner.Recorder.Epochs;
        int trainedImages = epochs.Count * dls.Train.Count * dls.Train.BatchSize;
        // The epochs' own times, so a resumed run counts the epochs it loaded from the checkpoint too.
        double seconds = epochs.Sum(e => e.Seconds);
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
        File.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(report, Terminal.Json));
    }
}
