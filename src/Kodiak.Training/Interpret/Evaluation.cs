using System.Diagnostics;
using Kodiak.Training.Learn;

namespace Kodiak.Training.Interpret;

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
