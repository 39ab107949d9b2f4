namespace Kodiak.Cleaning;

/// <summary>An image the model confidently gives to another class (confident learning).</summary>
/// <param name="Image">The image.</param>
/// <param name="LikelyClass">The class the model gives it with at least that class's own average confidence.</param>
/// <param name="Margin">p(likely class) − p(label): how much more the model believes the other class.</param>
public sealed record MislabeledImage(ScoredImage Image, string LikelyClass, double Margin);
