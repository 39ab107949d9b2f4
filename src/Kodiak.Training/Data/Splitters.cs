using Kodiak.Vision;

namespace Kodiak.Training;

/// <summary>Divides the items into a training set and a validation set, as index lists in ascending order.</summary>
public interface ISplitter
{
    /// <summary>Splits <paramref name="items"/> (file paths) into train and valid indices.</summary>
    /// <param name="items">All items, in <see cref="ImageFiles.Get(string)"/> order.</param>
    (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items);
}

/// <summary>
/// Puts a random <c>validPct</c> of the items in the validation set. The shuffle uses
/// <see cref="SeededRandom"/>, whose algorithm is ours, so a seed gives the same split everywhere.
/// </summary>
/// <param name="validPct">Fraction of items for validation, in [0, 1).</param>
/// <param name="seed">Seed of the shuffle.</param>
public sealed class RandomSplitter(double validPct = 0.2, ulong seed = 42) : ISplitter
{
    /// <inheritdoc />
    public (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items)
    {
        if (validPct is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(validPct), validPct, "validPct must be at least 0 and below 1.");
        var order = Enumerable.Range(0, items.Count).ToArray();
        new SeededRandom(seed).Shuffle(order);
        int cut = (int)(validPct * items.Count);
        return ([.. order[cut..].Order()], [.. order[..cut].Order()]);
    }

    /// <inheritdoc />
    public override string ToString() => $"RandomSplitter(validPct: {validPct}, seed: {seed})";
}

/// <summary>Splits by a yes/no question about each item: true means validation.</summary>
/// <param name="isValid">Whether an item belongs to the validation set.</param>
public sealed class FuncSplitter(Func<string, bool> isValid) : ISplitter
{
    /// <inheritdoc />
    public (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items)
    {
        var valid = Enumerable.Range(0, items.Count).Where(i => isValid(items[i])).ToList();
        var set = valid.ToHashSet();
        return (Enumerable.Range(0, items.Count).Where(i => !set.Contains(i)).ToList(), valid);
    }
}

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

/// <summary>
/// Splits by a true/false column of a CSV file keyed by file path (fastai's <c>ColSplitter</c> on a
/// CSV): <c>file,is_valid</c>. Paths in the CSV are relative to the CSV's folder; a file the CSV does
/// not list is an error that names it.
/// </summary>
/// <param name="csvPath">The CSV file, with a header row.</param>
/// <param name="fileColumn">Column holding the file path.</param>
/// <param name="validColumn">Column holding true/false (or 1/0).</param>
public sealed class CsvSplitter(string csvPath, string fileColumn = "file", string validColumn = "is_valid") : ISplitter
{
    /// <inheritdoc />
    public (IReadOnlyList<int> Train, IReadOnlyList<int> Valid) Split(IReadOnlyList<string> items)
    {
        var flags = Csv.ReadColumn(csvPath, fileColumn, validColumn, (value, line) => value.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" => true,
            "false" or "0" or "no" or "" => false,
            _ => throw new InvalidDataException($"{csvPath}, line {line}: '{value}' in column '{validColumn}' is not true/false."),
        });
        return new FuncSplitter(item => flags.TryGetValue(Path.GetFullPath(item), out bool valid)
            ? valid
            : throw new InvalidDataException($"'{item}' is not listed in {csvPath}.")).Split(items);
    }

    /// <inheritdoc />
    public override string ToString() => $"CsvSplitter({csvPath}, {validColumn})";
}
