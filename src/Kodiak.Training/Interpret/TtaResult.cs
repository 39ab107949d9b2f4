namespace Kodiak.Training.Interpret;

/// <summary>The validation scores with test-time augmentation.</summary>
/// <param name="ErrorRate">Error rate of the blended predictions.</param>
/// <param name="ValidLoss">Mean loss of the blended predictions.</param>
/// <param name="MillisecondsPerImage">What the augmented views cost, per validation image.</param>
public sealed record TtaResult(double ErrorRate, double ValidLoss, double MillisecondsPerImage);
