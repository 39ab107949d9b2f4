namespace Kodiak.Training.Models;

/// <summary>How far one image's 512 pooled features are from the original model's.</summary>
/// <param name="MaxDifference">The largest absolute difference of a feature.</param>
/// <param name="Largest">The largest absolute feature of the original model.</param>
public sealed record FeatureDifference(double MaxDifference, double Largest);
