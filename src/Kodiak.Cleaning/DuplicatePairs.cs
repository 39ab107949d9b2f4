namespace Kodiak.Cleaning;

/// <summary>The most similar pairs of <see cref="Suspects.Duplicates"/>, and how many pairs reached the threshold in all.</summary>
public sealed class DuplicatePairs : IReadOnlyList<DuplicatePair>
{
    readonly IReadOnlyList<DuplicatePair> _pairs;

    /// <summary>Creates the list.</summary>
    /// <param name="pairs">The pairs kept, most similar first.</param>
    /// <param name="total">How many pairs reached the threshold, kept or not.</param>
    public DuplicatePairs(IReadOnlyList<DuplicatePair> pairs, long total)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, pairs.Count);
        _pairs = pairs;
        Total = total;
    }

    /// <summary>How many pairs reached the threshold; more than <see cref="Count"/> when only the most similar were kept.</summary>
    public long Total { get; }

    /// <inheritdoc/>
    public int Count => _pairs.Count;

    /// <inheritdoc/>
    public DuplicatePair this[int index] => _pairs[index];

    /// <inheritdoc/>
    public IEnumerator<DuplicatePair> GetEnumerator() => _pairs.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
