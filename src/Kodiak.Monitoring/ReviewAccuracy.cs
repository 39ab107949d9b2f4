namespace Kodiak.Monitoring;

/// <summary>
/// The live accuracy estimate from reviewed answers: the share a person confirmed ("none of these" and corrections count
/// as wrong), with its 95% Wilson score interval, which stays inside 0–1 and is honest for a handful of reviews.
/// </summary>
/// <param name="Reviewed">Answers reviewed.</param>
/// <param name="Correct">Of them, confirmed.</param>
/// <param name="Accuracy">Correct / reviewed, or null with no review.</param>
/// <param name="Low">The interval's lower end, or null with no review.</param>
/// <param name="High">The interval's upper end, or null with no review.</param>
public sealed record ReviewAccuracy(long Reviewed, long Correct, double? Accuracy, double? Low, double? High)
{
    /// <summary>The z of a two-sided 95% interval.</summary>
    const double Z = 1.959964;

    /// <summary>The estimate from <paramref name="correct"/> of <paramref name="reviewed"/>.</summary>
    /// <param name="correct">Answers confirmed.</param>
    /// <param name="reviewed">Answers reviewed.</param>
    public static ReviewAccuracy Of(long correct, long reviewed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(reviewed, correct);
        if (reviewed == 0)
            return new ReviewAccuracy(0, 0, null, null, null);
        double n = reviewed, p = correct / n, z2 = Z * Z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
        return new ReviewAccuracy(reviewed, correct, p, Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
