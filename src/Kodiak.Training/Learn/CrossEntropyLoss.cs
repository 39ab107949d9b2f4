using static TorchSharp.torch;

namespace Kodiak.Training.Learn;

/// <summary>
/// Kodiak's default loss: cross-entropy with label smoothing (fastai's <c>LabelSmoothingCrossEntropy</c> when above 0)
/// and optional class weights, which weight the training loss only: validation losses stay unweighted.
/// </summary>
/// <param name="labelSmoothing">Label smoothing, at least 0 and below 1 (0 = none).</param>
public sealed class CrossEntropyLoss(double labelSmoothing = 0) : ILossFunction, IDisposable
{
    IReadOnlyList<float>? _classWeights;
    Tensor? _classWeightTensor;

    /// <summary>Label smoothing of the loss.</summary>
    public double LabelSmoothing { get; } = labelSmoothing is >= 0 and < 1
        ? labelSmoothing
        : throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be at least 0 and below 1.");

    /// <summary>Weight of each class in the training loss, or null for equal weights; every weight positive and finite.</summary>
    public IReadOnlyList<float>? ClassWeights
    {
        get => _classWeights;
        set
        {
            if (value is not null && value.Any(w => !(w > 0 && float.IsFinite(w))))
                throw new ArgumentException($"Class weights must be positive, got [{string.Join(", ", value)}].", nameof(value));
            _classWeights = value;
            _classWeightTensor?.Dispose();
            // Made once here rather than at every training step.
            _classWeightTensor = value is null ? null : tensor(value.ToArray()).DetachFromDisposeScope();
        }
    }

    /// <inheritdoc/>
    public Tensor Loss(Tensor predictions, Tensor targets) =>
        nn.functional.cross_entropy(predictions, targets, _classWeightTensor, label_smoothing: LabelSmoothing);

    /// <inheritdoc/>
    /// <remarks>The one per-item loss wherever logits exist: log-softmax, so a confident wrong prediction gives a large finite loss.</remarks>
    public Tensor ItemLosses(Tensor predictions, Tensor targets) =>
        nn.functional.cross_entropy(predictions, targets, reduction: nn.Reduction.None, label_smoothing: LabelSmoothing);

    /// <summary>Frees the class-weight tensor.</summary>
    public void Dispose() => _classWeightTensor?.Dispose();
}
