namespace Kodiak.Bundle;

/// <summary>
/// Makes an <see cref="OutOfDomainCalibration"/>: fits the score on the training images' features and picks the threshold
/// that flags a chosen share of the validation images, which are in domain by definition.
/// </summary>
public static class OutOfDomainCalibrator
{
    /// <summary>The method exports use: the one that separated photographs and other clip art best (see bench/README.md).</summary>
    public const OutOfDomainMethod DefaultMethod = OutOfDomainMethod.Mahalanobis;

    /// <summary>The share of in-domain images flagged by default (5%).</summary>
    public const double DefaultFalseAlarmRate = 0.05;

    /// <summary>Fits the score and chooses its threshold.</summary>
    /// <param name="method">The score.</param>
    /// <param name="trainFeatures">Pooled features of the training images (unaugmented), one array each.</param>
    /// <param name="trainLabels">Class index of each training image.</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="validLogits">Logits of the validation images.</param>
    /// <param name="validFeatures">Pooled features of the validation images.</param>
    /// <param name="falseAlarmRate">The share of validation images the threshold may flag, in [0, 1).</param>
    /// <param name="normaliseFeatures">Whether distances are taken between unit-length features (see <see cref="OutOfDomainCalibration.NormaliseFeatures"/>).</param>
    /// <exception cref="ArgumentException">No validation images, too few training images for the features, or lengths that differ.</exception>
    public static OutOfDomainCalibration Calibrate(OutOfDomainMethod method, IReadOnlyList<float[]> trainFeatures, IReadOnlyList<int> trainLabels,
        int classCount, IReadOnlyList<float[]> validLogits, IReadOnlyList<float[]> validFeatures, double falseAlarmRate = DefaultFalseAlarmRate,
        bool normaliseFeatures = true)
    {
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(validLogits);
        ArgumentNullException.ThrowIfNull(validFeatures);
        if (falseAlarmRate is < 0 or >= 1 || double.IsNaN(falseAlarmRate))
            throw new ArgumentOutOfRangeException(nameof(falseAlarmRate), falseAlarmRate, "The false-alarm rate must be in [0, 1).");
        if (validLogits.Count == 0)
            throw new ArgumentException("Calibrating an out-of-domain score needs validation images.", nameof(validLogits));
        var calibration = new OutOfDomainCalibration
        {
            Method = method,
            Threshold = 0,
            TargetFalseAlarmRate = falseAlarmRate,
            ValidationFalseAlarmRate = 0,
            ValidationImages = validLogits.Count,
            NormaliseFeatures = normaliseFeatures && OutOfDomainCalibration.NeedsFeatures(method),
        };
        if (OutOfDomainCalibration.NeedsFeatures(method))
        {
            if (validFeatures.Count != validLogits.Count)
                throw new ArgumentException($"{validFeatures.Count} validation feature rows for {validLogits.Count} images.", nameof(validFeatures));
            calibration = FitGaussian(calibration, normaliseFeatures ? [.. trainFeatures.Select(f => OutOfDomainScorer.Normalised(f))] : trainFeatures,
                trainLabels, classCount);
        }

        if (method == OutOfDomainMethod.MahalanobisEnergy)
        {
            var distance = new OutOfDomainScorer(calibration with { Method = OutOfDomainMethod.Mahalanobis });
            calibration = calibration with
            {
                Standardisation = new Dictionary<string, double[]>
                {
                    [nameof(OutOfDomainMethod.Mahalanobis)] = MeanStd([.. validFeatures.Select(f => distance.Mahalanobis(f))]),
                    [nameof(OutOfDomainMethod.Energy)] = MeanStd([.. validLogits.Select(l => OutOfDomainScorer.Energy(l))]),
                },
            };
        }

        var scorer = new OutOfDomainScorer(calibration);
        double[] scores = [.. validLogits.Select((l, i) => scorer.Score(l, scorer.NeedsFeatures ? validFeatures[i] : []))];
        double threshold = Threshold(scores, falseAlarmRate);
        return calibration with
        {
            Threshold = threshold,
            ValidationFalseAlarmRate = scores.Count(s => s > threshold) / (double)scores.Length,
        };
    }

    /// <summary>
    /// The smallest of <paramref name="scores"/> that leaves at most <paramref name="falseAlarmRate"/> of them above it
    /// (images are flagged when their score is above the threshold): how every calibration picks its threshold.
    /// </summary>
    /// <param name="scores">In-domain scores, at least one, in any order.</param>
    /// <param name="falseAlarmRate">The share that may lie above the threshold.</param>
    public static double Threshold(IReadOnlyList<double> scores, double falseAlarmRate)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.Count == 0)
            throw new ArgumentException("A threshold needs at least one score.", nameof(scores));
        double[] sorted = [.. scores.Order()];
        int allowed = (int)Math.Floor((falseAlarmRate * sorted.Length) + 1e-9);
        return sorted[sorted.Length - 1 - Math.Min(allowed, sorted.Length - 1)];
    }

    /// <summary>Class means and the Ledoit–Wolf-shrunk shared covariance of the training features, inverted.</summary>
    static OutOfDomainCalibration FitGaussian(OutOfDomainCalibration calibration, IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classCount)
    {
        if (features.Count != labels.Count)
            throw new ArgumentException($"{features.Count} training feature rows for {labels.Count} labels.", nameof(labels));
        if (features.Count < 2)
            throw new ArgumentException("Fitting the features' covariance needs at least two training images.", nameof(features));
        int d = features[0].Length, n = features.Count;
        if (d == 0 || features.Any(f => f.Length != d))
            throw new ArgumentException("Every training image needs the same, non-zero number of features.", nameof(features));
        var means = new double[classCount * d];
        var counts = new int[classCount];
        for (int i = 0; i < n; i++)
        {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++)
                means[(labels[i] * d) + j] += features[i][j];
        }

        for (int c = 0; c < classCount; c++)
            for (int j = 0; j < d; j++)
                means[(c * d) + j] /= Math.Max(1, counts[c]);

        // Residuals from each image's own class mean: the covariance the classes share.
        var residuals = new double[n][];
        for (int i = 0; i < n; i++)
        {
            residuals[i] = new double[d];
            for (int j = 0; j < d; j++)
                residuals[i][j] = features[i][j] - means[(labels[i] * d) + j];
        }

        var covariance = new double[d * d];
        foreach (var z in residuals)
            for (int a = 0; a < d; a++)
            {
                double za = z[a];
                if (za == 0)
                    continue;
                var row = covariance.AsSpan(a * d, d);
                for (int b = 0; b < d; b++)
                    row[b] += za * z[b];
            }

        for (int k = 0; k < covariance.Length; k++)
            covariance[k] /= n;
        double shrinkage = LedoitWolf(covariance, residuals, d, out double scale);
        if (scale <= 0)
        {
            // No spread at all (e.g. one image per class): any distance from a mean is strange, on the features' own scale.
            double meanSquare = features.Average(f => f.Average(v => (double)v * v));
            scale = meanSquare > 0 ? meanSquare : 1;
        }

        for (int k = 0; k < covariance.Length; k++)
            covariance[k] *= 1 - shrinkage;
        // A millionth of the mean variance on the diagonal keeps the factorisation safe from rounding when shrinkage is tiny.
        for (int a = 0; a < d; a++)
            covariance[(a * d) + a] += (shrinkage + 1e-6) * scale;
        double[] precision = InvertSymmetric(covariance, d);
        // Classes without training images have no mean; a distance to them would mean nothing, so their mean is left out.
        float[] presentMeans = [.. Enumerable.Range(0, classCount).Where(c => counts[c] > 0)
            .SelectMany(c => means.AsSpan(c * d, d).ToArray()).Select(v => (float)v)];
        return calibration with
        {
            FeatureCount = d,
            ClassMeans = OutOfDomainCalibration.ToBytes(presentMeans),
            Precision = OutOfDomainCalibration.ToBytes([.. precision.Select(v => (float)v)]),
            Shrinkage = shrinkage,
        };
    }

    /// <summary>
    /// Ledoit and Wolf's (2004) weight of <paramref name="scale"/>·I (scale = mean variance) in the shrunk covariance:
    /// the estimated error of the sample covariance over its distance from scale·I.
    /// </summary>
    static double LedoitWolf(double[] covariance, double[][] residuals, int d, out double scale)
    {
        int n = residuals.Length;
        scale = 0;
        for (int a = 0; a < d; a++)
            scale += covariance[(a * d) + a];
        scale /= d;
        double distance = 0, frobenius = 0;
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
            {
                double s = covariance[(a * d) + b];
                frobenius += s * s;
                double off = s - (a == b ? scale : 0);
                distance += off * off;
            }

        if (distance <= 0)
            return 1;
        double error = 0;
        foreach (var z in residuals)
        {
            double norm = 0, quadratic = 0;
            for (int a = 0; a < d; a++)
            {
                norm += z[a] * z[a];
                if (z[a] == 0)
                    continue;
                var row = covariance.AsSpan(a * d, d);
                double sum = 0;
                for (int b = 0; b < d; b++)
                    sum += row[b] * z[b];
                quadratic += z[a] * sum;
            }

            // ‖z zᵀ − S‖²_F = ‖z‖⁴ − 2 zᵀSz + ‖S‖²_F
            error += (norm * norm) - (2 * quadratic) + frobenius;
        }

        error /= (double)n * n;
        return Math.Clamp(Math.Min(error, distance) / distance, 0, 1);
    }

    /// <summary>The inverse of a symmetric positive-definite matrix, by Cholesky factorisation.</summary>
    static double[] InvertSymmetric(double[] matrix, int d)
    {
        var l = new double[d * d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = matrix[(i * d) + j];
                for (int k = 0; k < j; k++)
                    sum -= l[(i * d) + k] * l[(j * d) + k];
                if (i == j)
                {
                    if (sum <= 0)
                        throw new InvalidOperationException("The features' covariance is not positive definite even after shrinkage.");
                    l[(i * d) + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[(i * d) + j] = sum / l[(j * d) + j];
                }
            }

        // L⁻¹ column by column (forward substitution), then A⁻¹ = L⁻ᵀ L⁻¹.
        var inverseL = new double[d * d];
        for (int c = 0; c < d; c++)
            for (int i = c; i < d; i++)
            {
                double sum = i == c ? 1 : 0;
                for (int k = c; k < i; k++)
                    sum -= l[(i * d) + k] * inverseL[(k * d) + c];
                inverseL[(i * d) + c] = sum / l[(i * d) + i];
            }

        var inverse = new double[d * d];
        for (int a = 0; a < d; a++)
            for (int b = a; b < d; b++)
            {
                double sum = 0;
                for (int k = b; k < d; k++)
                    sum += inverseL[(k * d) + a] * inverseL[(k * d) + b];
                inverse[(a * d) + b] = sum;
                inverse[(b * d) + a] = sum;
            }

        return inverse;
    }

    static double[] MeanStd(double[] values)
    {
        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        return [mean, std > 0 ? std : 1];
    }
}
