namespace Kodiak.Training.Data;

/// <summary>
/// Splits by the folder two levels up: <c>train/grizzly/1.jpg</c> is training, <c>valid/grizzly/2.jpg</c>
/// is validation (fastai's <c>GrandparentSplitter</c>). An item under neither folder is an error.
/// </summary>
/// <param name="trainName">Name of the training folder.</param>
/// <param name="validName">Name of the validation folder.</param>
public sealed class GrandparentSplitter(string trainName = "train", string validName = "valid") : ISplitter
{
    /// <inheritdoc />
    public (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items)
    {
        var train = new List<int>();
        var valid = new List<int>();
        for (int i = 0; i < items.Count; i++)
        {
            string grandparent = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(items[i])) ?? "");
            if (grandparent == trainName) train.Add(i);
            else if (grandparent == validName) valid.Add(i);
            else throw new InvalidDataException($"'{items[i]}' is in neither a '{trainName}' nor a '{validName}' folder two levels up.");
        }
        return (train, valid);
    }

    /// <inheritdoc />
    public override string ToString() => $"GrandparentSplitter({trainName}, {validName})";
}
