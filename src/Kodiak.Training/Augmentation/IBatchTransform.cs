using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Training.Augmentation;

/// <summary>
/// A transform applied to whole training batches (float [N, 3, H, W] RGB in [0, 1]), never to validation batches.
/// </summary>
public interface IBatchTransform
{
    /// <summary>Transforms a batch, drawing all randomness from <paramref name="generator"/>.</summary>
    /// <param name="batch">Float images [N, 3, H, W] in [0, 1]; not modified.</param>
    /// <param name="generator">Source of randomness, so that a seed reproduces the batch.</param>
    /// <returns>A new tensor of the same shape, values in [0, 1].</returns>
    Tensor Apply(Tensor batch, torch.Generator generator);
}
