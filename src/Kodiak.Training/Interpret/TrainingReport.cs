using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kodiak.Training;

/// <summary>A trained model on its validation set, plainly and, when asked for, with test-time augmentation.</summary>
/// <param name="Plain">The plain predictions, for the confusion matrix and the top losses.</param>
/// <param name="ErrorRate">The plain error rate.</param>
/// <param name="ValidLoss">The plain mean loss.</param>
/// <param name="Tta">The same with test-time augmentation, when asked for.</param>
public sealed record Evaluation(ClassificationInterpretation Plain, double ErrorRate, double ValidLoss, TtaResult? Tta)
{
    /// <summary>Evaluates the learner's model as it is now on its validation loader.</summary>
    /// <param name="learner">The trained learner.</param>
    /// <param name="tta">Also evaluate with <see cref="Learner.Tta"/> (5 forward passes an image).</param>
    public static Evaluation Of(Learner learner, bool tta)
    {
        ArgumentNullException.ThrowIfNull(learner);
        var plain = learner.Interpret();
        TtaResult? withTta = null;
        if (tta)
        {
            var clock = Stopwatch.StartNew();
            var augmented = learner.Tta();
            withTta = new TtaResult(1 - augmented.Accuracy, augmented.Losses.Average(), clock.Elapsed.TotalMilliseconds / augmented.Targets.Count);
        }
        return new Evaluation(plain, 1 - plain.Accuracy, plain.Losses.Average(), withTta);
    }
}

/// <summary>The validation scores with test-time augmentation.</summary>
/// <param name="ErrorRate">Error rate of the blended predictions.</param>
/// <param name="ValidLoss">Mean loss of the blended predictions.</param>
/// <param name="MillisecondsPerImage">What the augmented views cost, per validation image.</param>
public sealed record TtaResult(double ErrorRate, double ValidLoss, double MillisecondsPerImage);

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
            train_seconds = seconds,
            images_per_second = trainedImages / seconds,
            classes = dls.Vocab,
            interrupted = learner.Recorder.Interrupted,
        };
        File.WriteAllText(Path.Combine(folder, "metrics.json"), JsonSerializer.Serialize(report, Json));
        return evaluation;
    }
}
