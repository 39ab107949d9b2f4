using Kodiak.Training.Learn;
namespace Kodiak.Training.Models;

/// <summary>The pretrained architectures a <see cref="VisionLearner"/> can start from.</summary>
public enum Arch
{
    /// <summary>ImageNet ResNet18 (the CNTK export shipped by Microsoft.ML.DnnImageFeaturizer.ResNet18).</summary>
    ResNet18,
}
