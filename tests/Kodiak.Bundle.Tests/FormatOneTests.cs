using Kodiak.Inference;

namespace Kodiak.Bundle.Tests;

/// <summary>
/// Bundles written before format 2 (with <c>weights.bin</c> inside) still load and predict as they did. The fixture and
/// the expected probabilities were made by the code of commit 4e3f4c6 (see Fixtures/README.md): golden values from the
/// old code, on purpose.
/// </summary>
public sealed class FormatOneTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Theory]
    [InlineData("photo.png", "red", 0.86895245f, 0.07993875f, 0.05110878f)]
    [InlineData("teal.png", "green", 0.002825649f, 0.68467045f, 0.31250384f)]
    public void A_format_1_bundle_predicts_what_the_old_code_predicted(string image, string label, float red, float green, float blue)
    {
        using var predictor = Predictor.Load(Fixture("colours-format1.kodiak"));

        var prediction = predictor.Predict(Fixture(image));

        Assert.Equal(label, prediction.Label);
        Assert.Equal([red, green, blue], prediction.Probabilities, (a, b) => Math.Abs(a - b) < 1e-6f);
        // Made before out-of-domain calibration: no score, no flag, and the predictor says it has none.
        Assert.Null(predictor.OutOfDomainCalibration);
        Assert.Null(prediction.OutOfDomainScore);
        Assert.Null(prediction.OutOfDomain);
    }

    [Fact]
    public void A_format_1_bundle_opens_with_its_one_model_as_the_default_variant_and_its_weights_inside()
    {
        var bundle = ModelBundle.Open(Fixture("colours-format1.kodiak"));

        Assert.Equal(1, bundle.Manifest.FormatVersion);
        Assert.Equal(["red", "green", "blue"], bundle.Manifest.Classes);
        Assert.Equal(["red/a.png", "blue/b.png"], bundle.Manifest.Training.ValidItems);
        Assert.Equal(new Dictionary<string, string> { [ModelBundle.DefaultVariant] = ModelBundle.OnnxEntry }, bundle.Manifest.Variants);
        Assert.Empty(bundle.Manifest.Entries);
        // The fixture's weights.bin is empty (its model is hand-made), but it is read from inside the bundle and verified.
        Assert.Empty(bundle.ReadTrainingWeights());
    }

    [Fact]
    public void Adding_a_variant_to_a_format_1_bundle_makes_it_format_2_with_its_weights_beside_it()
    {
        string folder = Directory.CreateTempSubdirectory("kodiak-format1-").FullName;
        try
        {
            string path = Path.Combine(folder, "colours.kodiak");
            File.Copy(Fixture("colours-format1.kodiak"), path);
            byte[] fp32 = ModelBundle.Open(path).ReadOnnxModel();

            ModelBundle.WriteVariant(path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, fp32);

            var bundle = ModelBundle.Open(path);
            Assert.Equal(ModelBundle.FormatVersion, bundle.Manifest.FormatVersion);
            Assert.Equal(fp32, bundle.ReadOnnxModel(ModelBundle.Int8Variant));
            Assert.Empty(bundle.ReadTrainingWeights());
            Assert.True(File.Exists(path + ModelBundle.TrainingWeightsSuffix));
            Assert.Equal(["red/a.png", "blue/b.png"], bundle.Manifest.Training.ValidItems);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
