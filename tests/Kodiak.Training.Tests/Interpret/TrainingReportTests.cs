using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Training.Interpret;
using Kodiak.Training.Tests.Learn;

namespace Kodiak.Training.Tests.Interpret;

public sealed class TrainingReportTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Write_evaluates_the_model_and_writes_the_plots_the_tables_and_the_metrics()
    {
        using var learner = TinyLearner.Create(_temp, perClass: 4, batchSize: 4);
        learner.FitOneCycle(1, 1e-2);
        string folder = Path.Combine(_temp.Path, "report");

        var evaluation = TrainingReport.Write(folder, learner, tta: true);

        Assert.NotNull(evaluation);
        Assert.Equal(1 - evaluation.Plain.Accuracy, evaluation.ErrorRate);
        Assert.Equal(evaluation.Plain.Losses.Average(), evaluation.ValidLoss, 6);
        Assert.NotNull(evaluation.Tta);
        Assert.Equal(["confusion_matrix.png", "confusion_matrix.txt", "loss.png", "metrics.json", "top_losses.png"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("precision", File.ReadAllText(Path.Combine(folder, "confusion_matrix.txt")));
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json")));
        var root = metrics.RootElement;
        Assert.Equal(evaluation.ErrorRate, root.GetProperty("error_rate").GetDouble());
        Assert.Equal(evaluation.Tta.ErrorRate, root.GetProperty("tta_error_rate").GetDouble());
        Assert.Equal(["blue", "green", "red"], root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, root.GetProperty("epochs").GetArrayLength());
        Assert.False(root.GetProperty("interrupted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("kept_epoch").ValueKind);
    }
}
