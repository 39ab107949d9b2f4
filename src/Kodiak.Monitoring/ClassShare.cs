namespace Kodiak.Monitoring;

/// <summary>One class over a whole report.</summary>
/// <param name="Class">The class.</param>
/// <param name="Count">Predictions of it.</param>
/// <param name="Share">Its share of the predictions.</param>
/// <param name="BaselineShare">Its baseline share, or null without a baseline (or a class the baseline lacks).</param>
public sealed record ClassShare(string Class, int Count, double Share, double? BaselineShare);
