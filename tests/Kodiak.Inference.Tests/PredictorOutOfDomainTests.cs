using Kodiak.Bundle;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.Inference.Tests;

public sealed class PredictorOutOfDomainTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string Solid(string name, byte r, byte g, byte b) =>
        _temp.Write(name, ImageEncoder.Encode(TestImages.Solid(40, 30, r, g, b), ImageFormat.Png));

    // Not one colour: its 4 × 4 features differ within each channel, which no solid colour's do.
    string Photo() => _temp.Write("photo.png", ImageEncoder.Encode(TestImages.Photo(64, 64), ImageFormat.Png));

    [Fact]
    public void A_calibrated_bundle_flags_an_image_unlike_its_training_and_not_one_like_it()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true));

        var tomato = predictor.Predict(Solid("tomato.png", 220, 30, 30));
        var photo = predictor.Predict(Photo());

        Assert.Equal("red", tomato.Label);
        Assert.False(tomato.OutOfDomain);
        Assert.True(photo.OutOfDomain);
        Assert.True(photo.OutOfDomainScore > tomato.OutOfDomainScore);
        Assert.Equal(OutOfDomainMethod.Mahalanobis, predictor.OutOfDomainCalibration!.Method);
        Assert.Equal(tomato.OutOfDomainScore, predictor.PredictWithFeatures([Solid("tomato2.png", 220, 30, 30)])[0].Prediction.OutOfDomainScore);
    }

    [Fact]
    public void A_bundle_without_calibration_predicts_with_no_score_and_says_it_has_none()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_temp.Path, "old.kodiak")));

        var prediction = predictor.Predict(Photo());

        Assert.Null(predictor.OutOfDomainCalibration);
        Assert.Null(prediction.OutOfDomainScore);
        Assert.Null(prediction.OutOfDomain);
        Assert.Equal("red", prediction.Label);
    }

    [Fact]
    public void Scoring_can_be_turned_off()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true),
            new PredictorOptions { ScoreOutOfDomain = false });

        var prediction = predictor.Predict(Photo());

        Assert.NotNull(predictor.OutOfDomainCalibration);
        Assert.Null(prediction.OutOfDomain);
    }

    [Fact]
    public void A_changed_calibration_is_refused_at_load()
    {
        string path = ColourModel.Write(Path.Combine(_temp.Path, "colours.kodiak"), outOfDomain: true);
        string changed = BundleFiles.Tampered(path, Path.Combine(_temp.Path, "changed.kodiak"), OutOfDomainCalibration.EntryName);

        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(changed));

        Assert.Contains("out-of-domain.json does not match the SHA-256", e.Message);
    }
}
