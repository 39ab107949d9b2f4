using Kodiak.Testing;

namespace Kodiak.Bundle.Tests;

public sealed class OutOfDomainCalibratorTests
{
    // Two classes with logits [−k, −1000]: the energy −log Σ exp(logit) is k, to within e^−900.
    static float[] LogitsWithEnergy(int k) => [-k, -1000];

    [Theory]
    [InlineData(0.05, 95)]
    [InlineData(0.20, 80)]
    [InlineData(0.0, 100)]
    public void The_threshold_flags_the_asked_share_of_validation_images(double rate, double threshold)
    {
        var valid = Enumerable.Range(1, 100).Select(LogitsWithEnergy).ToList();

        var calibration = OutOfDomainCalibrator.Calibrate(OutOfDomainMethod.Energy, [], [], 2, valid, [], rate);

        Assert.Equal(threshold, calibration.Threshold, 6);
        Assert.Equal(rate, calibration.ValidationFalseAlarmRate, 6);
        var scorer = new OutOfDomainScorer(calibration);
        Assert.Equal((int)(rate * 100), valid.Count(l => scorer.IsOutOfDomain(scorer.Score(l, []))));
    }

    static float[] Gaussian(Random random, double centre, int d) =>
        [.. Enumerable.Range(0, d).Select(j => (float)(centre + (j % 2 == 0 ? 1 : 0.3) * Normal(random)))];

    static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Mahalanobis_on_planted_features_flags_about_the_asked_share_of_new_in_domain_images_and_a_far_one()
    {
        var random = new Random(3);
        const int d = 16;
        var train = Enumerable.Range(0, 600).Select(i => (Features: Gaussian(random, i % 2 * 4.0, d), Label: i % 2)).ToList();
        var valid = Enumerable.Range(0, 400).Select(i => Gaussian(random, i % 2 * 4.0, d)).ToList();
        var fresh = Enumerable.Range(0, 2000).Select(i => Gaussian(random, i % 2 * 4.0, d)).ToList();

        var calibration = OutOfDomainCalibrator.Calibrate(OutOfDomainMethod.Mahalanobis, [.. train.Select(t => t.Features)], [.. train.Select(t => t.Label)], 2,
            [.. valid.Select(_ => new float[2])], valid, normaliseFeatures: false);
        var scorer = new OutOfDomainScorer(calibration);

        double flagged = fresh.Count(f => scorer.IsOutOfDomain(scorer.Score([0, 0], f))) / (double)fresh.Count;
        Assert.InRange(flagged, 0.03, 0.08);
        Assert.InRange(calibration.Shrinkage, 0, 0.5);
        Assert.False(calibration.NormaliseFeatures);
        Assert.True(scorer.IsOutOfDomain(scorer.Score([0, 0], Gaussian(random, 20, d))), "a point far from both classes is flagged");
        Assert.False(scorer.IsOutOfDomain(scorer.Score([0, 0], Enumerable.Repeat(4f, d).ToArray())), "a class mean is not");
    }

    [Fact]
    public void Training_features_without_any_spread_still_calibrate_and_flag_what_differs()
    {
        // One training image per class, as a tiny data set can have: the covariance is zero.
        float[][] train = [[1, 0, 0, 0], [0, 1, 0, 0]];
        float[][] valid = [[0.9f, 0.1f, 0, 0], [0.1f, 0.9f, 0, 0]];

        var calibration = OutOfDomainCalibrator.Calibrate(OutOfDomainMethod.Mahalanobis, train, [0, 1], 2, [[0, 0], [0, 0]], valid);
        var scorer = new OutOfDomainScorer(calibration);

        Assert.False(scorer.IsOutOfDomain(scorer.Score([0, 0], train[0])));
        Assert.True(scorer.IsOutOfDomain(scorer.Score([0, 0], [0, 0, 1, 0])));
    }

    [Fact]
    public void A_calibration_reads_back_from_its_bundle_entry_and_scores_the_same()
    {
        using var temp = new TempFolder();
        var calibration = ColourModel.Calibration();
        string path = ColourModel.Write(Path.Combine(temp.Path, "colours.kodiak"), outOfDomain: true);

        var read = OutOfDomainCalibration.FromJson(ModelBundle.Open(path).ReadEntry(OutOfDomainCalibration.EntryName));

        Assert.Equal(OutOfDomainMethod.Mahalanobis, read.Method);
        Assert.Equal(calibration.Threshold, read.Threshold);
        float[] features = [.. Enumerable.Range(0, 48).Select(i => i / 48f)];
        Assert.Equal(new OutOfDomainScorer(calibration).Score([1, 2, 3], features), new OutOfDomainScorer(read).Score([1, 2, 3], features));
    }

    [Fact]
    public void A_calibration_whose_matrix_does_not_fit_its_features_is_refused()
    {
        byte[] json = (ColourModel.Calibration() with { FeatureCount = 47 }).ToJson();

        var error = Assert.Throws<InvalidDataException>(() => OutOfDomainCalibration.FromJson(json));

        Assert.Contains("47 features", error.Message);
    }
}
