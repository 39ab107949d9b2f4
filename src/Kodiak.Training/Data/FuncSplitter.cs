namespace Kodiak.Training.Data;

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
