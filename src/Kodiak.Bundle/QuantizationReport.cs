namespace Kodiak.Bundle;

/// <summary>How a bundle's int8 model was made, and how closely it agrees with the fp32 one on the validation images.</summary>
/// <param name="Calibration">How activation ranges were chosen, e.g. <c>min-max</c>.</param>
/// <param name="CalibrationImages">Training images the ranges were measured on.</param>
/// <param name="ValidationImages">Images the two models were compared on (the recorded validation split).</param>
/// <param name="LabelAgreement">Share of those images both models give the same label (0–1).</param>
/// <param name="Fp32ErrorRate">The fp32 model's error rate on them.</param>
/// <param name="Int8ErrorRate">The int8 model's error rate on them.</param>
public sealed record QuantizationReport(string Calibration, int CalibrationImages, int ValidationImages, double LabelAgreement,
    double Fp32ErrorRate, double Int8ErrorRate);
