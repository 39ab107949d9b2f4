namespace Kodiak.Training.Data;

/// <summary>An item of a split: its file and the index of its class in the vocabulary.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Label">Index into <see cref="DataLoader.Vocab"/>.</param>
public sealed record LabelledItem(string Path, int Label);
