using Kodiak.Vision.Files;

namespace Kodiak.Training.Data;

/// <summary>Divides the items into a training set and a validation set, as index lists in ascending order.</summary>
public interface ISplitter
{
    /// <summary>Splits <paramref name="items"/> (file paths) into train and valid indices.</summary>
    /// <param name="items">All items, in <see cref="ImageFiles.Get(string)"/> order.</param>
    (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items);
}
