using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kodiak.Bundle;
using Kodiak.Training.Export;
using Kodiak.Training.Interpret;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
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
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing of the training loss (0 = none, 0.1 is usual)." }
            .Must(v => v is >= 0 and < 1, "must be at least 0 and below 1");
        var balance = new Option<bool>("--balance") { Description = "Weight the training loss so every class counts as much as in balanced data." };
        var keepBest = new Option<bool>("--keep-best") { Description = "Keep the epoch with the lowest validation loss, not the last." };
        var tta = new Option<bool>("--tta") { Description = "Also report the error with test-time augmentation (4 augmented views + the plain one)." };
        var checkpoint = new Option<bool>("--checkpoint") { Description = "Save a checkpoint to OUT/checkpoint after every epoch." };
        var resume = new Option<bool>("--resume") { Description = "Continue from OUT/checkpoint (same data and options), checkpointing on." };
        var precision = PrecisionOption.Create();
        var int8 = new Option<bool>("--int8") { Description = "Also export an int8 model (calibrated on the training images), served by default." };
        var command = new Command("train", "Fine-tune the pretrained ResNet18 on DATA (fastai's fine_tune) and save the model and a report.")
        {
            output, epochs, freezeEpochs, lr, labelSmoothing, balance, keepBest, tta, checkpoint, resume, precision, int8,
        };
        var dataOptions = new DataSettings.Options(command);
        command.Validators.Add(result =>
        {
            // The best epoch's weights live in memory only: a resumed run could not know an earlier best.
            if (result.GetValue(keepBest) && (result.GetValue(checkpoint) || result.GetValue(resume)))
                result.AddError("--keep-best cannot be combined with --checkpoint or --resume.");
        });
        command.SetAction(parse =>
        {
            var settings = new TrainSettings(dataOptions.Read(parse), parse.GetValue(output)!, parse.GetValue(epochs), parse.GetValue(freezeEpochs),
                parse.GetValue(lr), parse.GetValue(labelSmoothing), parse.GetValue(balance), parse.GetValue(keepBest), parse.GetValue(tta),
                parse.GetValue(checkpoint) || parse.GetValue(resume), parse.GetValue(resume), PrecisionOption.Parse(parse.GetValue(precision)!),
                parse.GetValue(int8));
            return terminal.RunStoppable("after this batch", stop => Train(terminal, settings, stop));
        });
        return command;
    }

    internal sealed record TrainSettings(DataSettings Data, string Out, int Epochs, int FreezeEpochs, double Lr, double LabelSmoothing, bool Balance,
        bool KeepBest, bool Tta, bool Checkpoint, bool Resume, Precision Precision, bool Int8 = false)
    {
        /// <summary>
        /// What must be the same to resume a run: everything that shapes the data and the training (not the threads or
        /// the precision, which only change how fast it goes, so a run can resume on another machine).
        /// </summary>
        public string Recipe => JsonSerializer.Serialize(new { Data = Data with { Threads = null }, Epochs, FreezeEpochs, Lr, LabelSmoothing, Balance, KeepBest }, Terminal.Json);
    }


    internal static void Train(Terminal terminal, TrainSettings s, CancellationToken cancellation)
    {
        var console = terminal.Out;
        string checkpointFolder = Path.Combine(s.Out, "checkpoint");
        string recipePath = Path.Combine(checkpointFolder, "recipe.json");
        string checkpointPath = Path.Combine(checkpointFolder, "learner.bin");
        if (s.Resume) CheckSameRecipe(recipePath, s.Recipe);
        var dls = s.Data.Load(terminal);

        // Process-wide, so the command chooses it, not the learner (see TrainingMemory); demo trains through here too.
        TrainingMemory.ReuseLargeBlocks = true;
        using var learner = VisionLearner.Create(dls, Arch.ResNet18, labelSmoothing: s.LabelSmoothing, seed: s.Data.Seed);
        learner.Cancellation = cancellation;
        PrecisionOption.Apply(terminal, learner, s.Precision);
        learner.KeepBest = s.KeepBest;
        if (s.Balance) learner.ClassWeights = learner.BalancedClassWeights();
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
        if (s.Int8)
            ExportCommand.AddInt8(terminal, modelPath, s.Data.Data);
        if (learner.KeptEpoch is { } kept)
            console.MarkupLineInterpolated($"Kept {kept.Phase} epoch {kept.Epoch}, the one with the lowest validation loss ({kept.ValidLoss:0.000000}).");
        // Null without validation images: nothing to evaluate, and the data summary has already warned.
        var evaluation = TrainingReport.Write(Path.Combine(s.Out, "report"), learner, s.Tta);
        string error = evaluation is null ? "n/a" : evaluation.ErrorRate.ToString("0.0000", CultureInfo.InvariantCulture);
        if (evaluation?.Tta is { } tta)
            error += string.Create(CultureInfo.InvariantCulture, $" ({tta.ErrorRate:0.0000} with test-time augmentation, {tta.MillisecondsPerImage:0} ms an image)");
        // The weights beside the bundle are only for training further; serving needs the bundle alone.
        console.MarkupLineInterpolated(
            $"Trained in {seconds:0} s; error rate {error}. Saved {modelPath} (its training weights in {Path.GetFileName(modelPath + ModelBundle.TrainingWeightsSuffix)}) and {Path.Combine(s.Out, "report")}.");
    }

    static void CheckSameRecipe(string recipePath, string recipe)
    {
        if (!File.Exists(recipePath))
            throw new FileNotFoundException($"Nothing to resume: no checkpoint in {Path.GetDirectoryName(recipePath)} (train with --checkpoint first).", recipePath);
        string saved = File.ReadAllText(recipePath);
        if (saved != recipe)
            throw new InvalidDataException($"--resume needs the same data and options as the run that saved {recipePath}:{Environment.NewLine}{saved}");
    }
}
