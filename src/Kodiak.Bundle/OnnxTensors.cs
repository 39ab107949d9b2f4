namespace Kodiak.Bundle;

/// <summary>
/// The names of the tensors of a bundled ONNX classifier, shared by the exporter and every reader so that they
/// cannot drift apart.
/// </summary>
public static class OnnxTensors
{
    /// <summary>The image input: float [N, 3, height, width], RGB in [0, 1].</summary>
    public const string Input = "image";

    /// <summary>The raw scores: float [N, classes].</summary>
    public const string Logits = "logits";

    /// <summary>The class probabilities (softmax of <see cref="Logits"/>): float [N, classes].</summary>
    public const string Probabilities = "probabilities";

    /// <summary>The optional image features (for similarity): float [N, features].</summary>
    public const string Features = "features";
}
