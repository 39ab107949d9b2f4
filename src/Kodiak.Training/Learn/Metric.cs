namespace Kodiak.Training.Learn;

/// <summary>A number computed over the whole validation set from predicted and actual class indices.</summary>
/// <param name="Name">Column name in the training table, e.g. <c>error_rate</c>.</param>
/// <param name="Compute">(predicted, actual) → value.</param>
public sealed record Metric(string Name, Func<IReadOnlyList<int>, IReadOnlyList<int>, double> Compute);
