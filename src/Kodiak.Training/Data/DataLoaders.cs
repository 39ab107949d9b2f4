using Kodiak.Vision.Files;

namespace Kodiak.Training.Data;

/// <summary>The training and validation <see cref="DataLoader"/>s of one data set, with its vocabulary.</summary>
public sealed class DataLoaders
{
    internal DataLoaders(DataLoader train, DataLoader valid, IReadOnlyList<string> warnings, IReadOnlyList<ImageProblem> skipped)
    {
        Train = train;
        Valid = valid;
        Warnings = warnings;
        Skipped = skipped;
    }

    /// <summary>Shuffled, augmented batches for training.</summary>
    public DataLoader Train { get; }

    /// <summary>Batches of the validation set, in order, never augmented.</summary>
    public DataLoader Valid { get; }

    /// <summary>Class names, sorted; a label is an index into this list.</summary>
    public IReadOnlyList<string> Vocab => Train.Vocab;

    /// <summary>Things that look wrong but don't stop training (an empty class folder, a class missing from validation).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Images left out because they can't be opened (only with <c>skipBadImages: true</c>).</summary>
    public IReadOnlyList<ImageProblem> Skipped { get; }
}
