namespace Kodiak.Training.Interpret;

/// <summary>One class's line of a classification report (as sklearn's <c>classification_report</c>).</summary>
/// <param name="Class">The class name.</param>
/// <param name="Precision">Of the items predicted as this class, the fraction that are; 0 when it is never predicted.</param>
/// <param name="Recall">Of the items of this class, the fraction predicted as it; 0 when it has no items.</param>
/// <param name="F1">Harmonic mean of precision and recall; 0 when both are 0.</param>
/// <param name="Support">How many items are of this class.</param>
public sealed record ClassReport(string Class, double Precision, double Recall, double F1, int Support);
