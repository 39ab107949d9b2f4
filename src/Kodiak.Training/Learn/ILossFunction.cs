using static TorchSharp.torch;

namespace Kodiak.Training.Learn;

/// <summary>fastai's <c>loss_func</c>: what training minimises, and the per-item losses of validation and interpretation.</summary>
public interface ILossFunction
{
    /// <summary>The loss of a training batch, a scalar to back-propagate.</summary>
    /// <param name="predictions">The model's logits [N, classes].</param>
    /// <param name="targets">Class indices [N].</param>
    Tensor Loss(Tensor predictions, Tensor targets);

    /// <summary>One loss per item [N]: their mean is the validation loss, and top losses rank them.</summary>
    /// <param name="predictions">The model's logits [N, classes].</param>
    /// <param name="targets">Class indices [N].</param>
    Tensor ItemLosses(Tensor predictions, Tensor targets);
}
