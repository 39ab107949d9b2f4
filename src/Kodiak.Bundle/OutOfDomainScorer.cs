namespace Kodiak.Bundle;

/// <summary>
/// Scores images with an <see cref="OutOfDomainCalibration"/>: higher is stranger, and above
/// <see cref="OutOfDomainCalibration.Threshold"/> the image does not look like any of the classes. Thread-safe.
/// </summary>
public sealed class OutOfDomainScorer
{
    readonly int _features;
    readonly float[] _precision;

    // Precision · mean and meanᵀ · precision · mean per class, so a distance costs one matrix-vector product for all classes.
    readonly double[][] _precisionMeans;
    readonly double[] _meanNorms;
    readonly (double Mean, double Std) _mahalanobisScale, _energyScale;

    /// <summary>Prepares the scoring of <paramref name="calibration"/>.</summary>
    /// <param name="calibration">The calibration, e.g. read from a bundle.</param>
    public OutOfDomainScorer(OutOfDomainCalibration calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        Calibration = calibration;
        _features = calibration.FeatureCount;
        _precision = OutOfDomainCalibration.ToFloats(calibration.Precision);
        float[] means = OutOfDomainCalibration.ToFloats(calibration.ClassMeans);
        int classes = _features == 0 ? 0 : means.Length / _features;
        _precisionMeans = new double[classes][];
        _meanNorms = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            var mean = means.AsSpan(c * _features, _features);
            _precisionMeans[c] = MultiplyPrecision(mean);
            _meanNorms[c] = Dot(_precisionMeans[c], mean);
        }

        _mahalanobisScale = Scale(calibration, OutOfDomainMethod.Mahalanobis);
        _energyScale = Scale(calibration, OutOfDomainMethod.Energy);
    }

    /// <summary>The calibration scored with.</summary>
    public OutOfDomainCalibration Calibration { get; }

    /// <summary>Whether <see cref="Score"/> needs the pooled features (else the logits are enough).</summary>
    public bool NeedsFeatures => OutOfDomainCalibration.NeedsFeatures(Calibration.Method);

    /// <summary>The out-of-domain score of one image: higher is stranger.</summary>
    /// <param name="logits">The model's logits for the image, one per class.</param>
    /// <param name="features">The model's pooled features for the image (ignored when <see cref="NeedsFeatures"/> is false).</param>
    /// <exception cref="ArgumentException">The features are not <see cref="OutOfDomainCalibration.FeatureCount"/> long.</exception>
    public double Score(ReadOnlySpan<float> logits, ReadOnlySpan<float> features) => Calibration.Method switch
    {
        OutOfDomainMethod.Energy => Energy(logits),
        OutOfDomainMethod.MaxSoftmax => 1 - MaxSoftmax(logits),
        OutOfDomainMethod.Mahalanobis => Mahalanobis(features),
        OutOfDomainMethod.MahalanobisEnergy =>
            ((Mahalanobis(features) - _mahalanobisScale.Mean) / _mahalanobisScale.Std) + ((Energy(logits) - _energyScale.Mean) / _energyScale.Std),
        _ => throw new InvalidOperationException($"Unknown out-of-domain method {Calibration.Method}."),
    };

    /// <summary>Whether a <see cref="Score"/> is above the threshold, so the image does not look like any of the classes.</summary>
    /// <param name="score">The score.</param>
    public bool IsOutOfDomain(double score) => score > Calibration.Threshold;

    /// <summary>−log Σ exp(logit), computed stably.</summary>
    internal static double Energy(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits)
            max = Math.Max(max, l);
        double sum = 0;
        foreach (float l in logits)
            sum += Math.Exp(l - max);
        return -(max + Math.Log(sum));
    }

    /// <summary>The largest softmax probability of <paramref name="logits"/>.</summary>
    internal static double MaxSoftmax(ReadOnlySpan<float> logits) => Math.Exp(Max(logits) + Energy(logits));

    /// <summary>Squared Mahalanobis distance to the nearest class mean.</summary>
    internal double Mahalanobis(ReadOnlySpan<float> features)
    {
        if (features.Length != _features || _features == 0)
            throw new ArgumentException($"The out-of-domain score needs {_features} features, not {features.Length}.", nameof(features));
        if (Calibration.NormaliseFeatures)
            features = Normalised(features);
        double[] pf = MultiplyPrecision(features);
        double self = Dot(pf, features), best = double.PositiveInfinity;
        for (int c = 0; c < _precisionMeans.Length; c++)
            best = Math.Min(best, self - (2 * Dot(_precisionMeans[c], features)) + _meanNorms[c]);
        return Math.Max(0, best);
    }

    /// <summary><paramref name="features"/> scaled to unit length (left as they are when all zero).</summary>
    /// <param name="features">An image's features.</param>
    public static float[] Normalised(ReadOnlySpan<float> features)
    {
        double norm = 0;
        foreach (float f in features)
            norm += (double)f * f;
        norm = Math.Sqrt(norm);
        var result = features.ToArray();
        if (norm > 0)
            for (int i = 0; i < result.Length; i++)
                result[i] = (float)(result[i] / norm);
        return result;
    }

    double[] MultiplyPrecision(ReadOnlySpan<float> vector)
    {
        var result = new double[_features];
        for (int i = 0; i < _features; i++)
        {
            var row = _precision.AsSpan(i * _features, _features);
            double sum = 0;
            for (int j = 0; j < _features; j++)
                sum += row[j] * vector[j];
            result[i] = sum;
        }

        return result;
    }

    static double Dot(double[] a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }

    static double Max(ReadOnlySpan<float> values)
    {
        double max = double.NegativeInfinity;
        foreach (float v in values)
            max = Math.Max(max, v);
        return max;
    }

    static (double Mean, double Std) Scale(OutOfDomainCalibration calibration, OutOfDomainMethod part) =>
        calibration.Standardisation.TryGetValue(part.ToString(), out double[]? scale) && scale.Length == 2 && scale[1] > 0
            ? (scale[0], scale[1])
            : (0, 1);
}
