using static TorchSharp.torch;

namespace Kodiak.Training.Data;

/// <summary>
/// One mini-batch. It owns its tensors (they belong to no dispose scope); dispose it when done,
/// e.g. <c>foreach (var batch in dls.Train) using (batch) { … }</c>.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor labels, IReadOnlyList<string> paths)
    {
        Images = images.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Paths = paths;
    }

    /// <summary>RGB images in [0, 1], float32 [N, 3, H, W]; the model applies its own input convention.</summary>
    public Tensor Images { get; }

    /// <summary>Class indices into the vocabulary, int64 [N].</summary>
    public Tensor Labels { get; }

    /// <summary>The file behind each image, in batch order.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>Releases the tensors' native memory.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
