using Kodiak.Vision;

namespace Kodiak.Training.Data;

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
