using System.CommandLine;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak lr-find DATA</c>: fastai's learning-rate finder on a new learner, its suggestions and plot.</summary>
internal static class LrFindCommand
{
    public static Command Create(Terminal terminal)
    {
        var output = new Option<string>("--out") { Description = "The plot of loss against learning rate (PNG).", DefaultValueFactory = _ => "lr_find.png" };
        var start = new Option<double>("--start") { Description = "First learning rate of the sweep.", DefaultValueFactory = _ => 1e-7 }
            .Must(v => v > 0, "must be above 0");
        var end = new Option<double>("--end") { Description = "Last learning rate of the sweep.", DefaultValueFactory = _ => 10 };
        var iterations = new Option<int>("--iterations") { Description = "Batches in the sweep, at most.", DefaultValueFactory = _ => 100 }
            .Must(n => n >= 2, "must be at least 2");
        var precision = PrecisionOption.Create();
        var command = new Command("lr-find", "Sweep the learning rate on a new (frozen) learner and suggest one for train --lr.")
        {
            output, start, end, iterations, precision,
        };
        var dataOptions = new DataSettings.Options(command);
        command.SetAction(parse =>
        {
            // Checked here rather than in a validator, which sees no default values.
            if (!(parse.GetValue(end) > parse.GetValue(start)))
            {
                terminal.Fail("--end must be above --start.");
                return 1;
            }
            var data = dataOptions.Read(parse);
            string plot = parse.GetValue(output)!;
            return terminal.RunStoppable("after this batch", stop =>
            {
                var dls = data.Load(terminal);
                TrainingMemory.ReuseLargeBlocks = true; // process-wide, so the command chooses it (see TrainingMemory)
                using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: data.Seed);
                learner.Cancellation = stop;
                PrecisionOption.Apply(terminal, learner, PrecisionOption.Parse(parse.GetValue(precision)!));
                var found = learner.LrFind(parse.GetValue(start), parse.GetValue(end), parse.GetValue(iterations));
                found.Plot(plot);
                terminal.Out.MarkupLineInterpolated(
                    $"Suggested learning rate: [bold]{found.Valley:0.##e0}[/] (valley); steep {found.Steep:0.##e0}, minimum/10 {found.Minimum:0.##e0}. Swept {found.LearningRates.Count} batches; plot: {plot}");
            });
        });
        return command;
    }
}
