namespace Kodiak.Cleaning;

/// <summary>Which part of the data an image was in when the model was trained.</summary>
public enum DataSplit
{
    /// <summary>The training set (every image the bundle does not list as validation).</summary>
    Train,

    /// <summary>The validation set recorded in the bundle.</summary>
    Valid,

    /// <summary>The bundle does not record its validation set (exported before Kodiak recorded it).</summary>
    Unknown,
}

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

/// <summary>An image the model confidently gives to another class (confident learning).</summary>
/// <param name="Image">The image.</param>
/// <param name="LikelyClass">The class the model gives it with at least that class's own average confidence.</param>
/// <param name="Margin">p(likely class) − p(label): how much more the model believes the other class.</param>
public sealed record MislabeledImage(ScoredImage Image, string LikelyClass, double Margin);

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

/// <summary>An image far from every class's feature centroid: probably not a member of any class.</summary>
/// <param name="Image">The image.</param>
/// <param name="Distance">Cosine distance (1 − similarity) to the nearest class centroid.</param>
/// <param name="NearestClass">The class whose centroid is nearest.</param>
public sealed record OutlierImage(ScoredImage Image, double Distance, string NearestClass);
