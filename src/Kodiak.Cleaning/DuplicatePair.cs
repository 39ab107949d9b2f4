namespace Kodiak.Cleaning;

/// <summary>Two images whose features are nearly the same.</summary>
/// <param name="First">One image (the earlier in file order).</param>
/// <param name="Second">The other.</param>
/// <param name="Similarity">Cosine similarity of their features, at most 1.</param>
public sealed record DuplicatePair(ScoredImage First, ScoredImage Second, double Similarity)
{
    /// <summary>Filed under different classes, so at least one is mislabelled.</summary>
    public bool AcrossClasses => First.Label != Second.Label;

    /// <summary>One in train and one in valid: a leak that flatters the validation score.</summary>
    public bool AcrossSplits => First.Split != Second.Split && First.Split != DataSplit.Unknown;
}
