using System.Text.Json;
using System.Text.Json.Serialization;
using Kodiak.Training.Learn;

namespace Kodiak.Training.Interpret;

/// <summary>
/// The report of a training run, as <c>kodiak train</c> writes it: <c>loss.png</c>, <c>confusion_matrix.png</c>,
/// <c>confusion_matrix.txt</c> (with the per-class report), <c>top_losses.png</c> and <c>metrics.json</c>.
/// </summary>
public static class TrainingReport
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// Evaluates the learner's model on its validation set (unless it has none) and writes the report into <paramref name="folder"/>.
    /// </summary>
    /// <param name="folder">The report folder, created if needed.</param>
    /// <param name="learner">The trained learner, with the model to report on (the last epoch's, or the kept best one).</param>
    /// <param name="tta">Also evaluate with test-time augmentation.</param>
    /// <returns>The evaluation, or null when there are no validation images (nothing to evaluate; the plots of predictions are left out).</returns>
    public static Evaluation? Write(string folder, Learner learner, bool tta = false)
    {
        ArgumentNullException.ThrowIfNull(learner);
        var dls = learner.Dls;
        var evaluation = dls.Valid.Items.Count == 0 ? null : Evaluation.Of(learner, tta);
        Directory.CreateDirectory(folder);
        if (learner.Recorder.Losses.Count > 0)
            learner.Recorder.PlotLoss(Path.Combine(folder, "loss.png"));
        if (evaluation is not null)
        {
            var interpretation = evaluation.Plain;
            interpretation.PlotConfusionMatrix(Path.Combine(folder, "confusion_matrix.png"));
            File.WriteAllText(Path.Combine(folder, "confusion_matrix.txt"),
                interpretation.ConfusionMatrixText() + Environment.NewLine + interpretation.ClassificationReportText());
            interpretation.PlotTopLosses(Math.Min(9, dls.Valid.Items.Count), Path.Combine(folder, "top_losses.png"), dls.Valid.ItemTransforms);
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
            // The kept model's: the last epoch's, or with keep-best the best one's.
            error_rate = evaluation?.ErrorRate ?? double.NaN,
            valid_loss = evaluation?.ValidLoss ?? double.NaN,
            kept_epoch = learner.KeptEpoch is { } kept ? new { phase = kept.Phase, epoch = kept.Epoch } : null,
            tta_error_rate = evaluation?.Tta?.ErrorRate,
            tta_valid_loss = evaluation?.Tta?.ValidLoss,
            tta_ms_per_image = evaluation?.Tta?.MillisecondsPerImage,
            precision = learner.Precision.Name,
            precision_reason = learner.Precision.Reason,
            train_seconds = seconds,
            images_per_second = trainedImages / seconds,
            classes = dls.Vocab,
            interrupted = learner.Recorder.Interrupted,
        };
        File.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(report, Json));
        return evaluation;
    }
}
