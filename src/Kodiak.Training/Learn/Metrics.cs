namespace Kodiak.Training.Learn;

/// <summary>The usual classification metrics.</summary>
public static class Metrics
{
    /// <summary>Fraction of items whose predicted class is wrong.</summary>
    public static Metric ErrorRate { get; } = new("error_rate", (predicted, actual) => 1 - Correct(predicted, actual));

    /// <summary>Fraction of items whose predicted class is right.</summary>
    public static Metric Accuracy { get; } = new("accuracy", Correct);

    // Nothing to measure on gives NaN, not a perfect or a hopeless score.
    static double Correct(IReadOnlyList<int> predicted, IReadOnlyList<int> actual) =>
        actual.Count == 0 ? double.NaN : (double)predicted.Zip(actual).Count(p => p.First == p.Second) / actual.Count;
}
