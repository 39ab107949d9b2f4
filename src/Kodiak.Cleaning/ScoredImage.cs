namespace Kodiak.Cleaning;

/// <summary>One image of the data folder as the model sees it.</summary>
/// <param name="Path">The file.</param>
/// <param name="RelativePath">The file relative to the data folder, with '/' separators.</param>
/// <param name="Label">Its actual label: the name of its folder.</param>
/// <param name="Split">Train or valid, as in training.</param>
/// <param name="Predicted">The class the model predicts.</param>
/// <param name="Probabilities">The model's probability for each class, in the model's class order.</param>
/// <param name="Loss">Cross-entropy loss of the actual label: −ln p(label).</param>
public sealed record ScoredImage(string Path, string RelativePath, string Label, DataSplit Split, string Predicted,
    IReadOnlyList<float> Probabilities, double Loss);
