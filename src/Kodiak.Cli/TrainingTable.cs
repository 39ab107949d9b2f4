using Kodiak.Training.Learn;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>
/// Prints fastai's training table row by row (<c>epoch train_loss valid_loss error_rate time</c>),
/// and, on an interactive terminal, a live progress bar inside each epoch.
/// </summary>
internal sealed class TrainingTable(IAnsiConsole console, IReadOnlyList<Metric> metrics) : ILearnerCallback
{
    ProgressContext? _progress;
    ProgressTask? _epochTask;
    int _batches;

    /// <summary>Runs <paramref name="training"/> with the live progress bar when the terminal can show one.</summary>
    public void Run(Action training)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            training();
            return;
        }
        console.Progress().AutoClear(true).HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _progress = context;
                training();
            });
        _progress = null;
    }

    public void BeforeFit(TrainingState state)
    {
        _batches = state.Batches;
        console.MarkupLineInterpolated($"[bold]{state.Phase}[/]: {state.Epochs} epoch(s) of {state.Batches} batches");
        console.WriteLine(string.Join("  ", new[] { "epoch", "train_loss", "valid_loss" }.Concat(metrics.Select(m => m.Name)).Append("time")
            .Select((name, i) => i == 0 ? name.PadRight(5) : name.PadRight(10))));
    }

    public void AfterBatch(TrainingState state)
    {
        if (_progress is null) return;
        if (state.Batch == 0)
            _epochTask = _progress.AddTask($"epoch {state.Epoch}", maxValue: _batches);
        _epochTask!.Description = $"epoch {state.Epoch}  loss {state.SmoothLoss:0.0000}";
        _epochTask.Increment(1);
    }

    public void AfterEpoch(TrainingState state)
    {
        var result = state.Result!;
        _epochTask?.StopTask();
        var cells = new[] { result.Epoch.ToString().PadRight(5), Format(result.TrainLoss), Format(result.ValidLoss) }
            .Concat(result.Metrics.Select(m => Format(m.Value)))
            .Append(TimeSpan.FromSeconds(result.Seconds).ToString(@"mm\:ss"));
        console.WriteLine(string.Join("  ", cells));
    }

    static string Format(double value) => value.ToString("0.000000").PadRight(10);
}
