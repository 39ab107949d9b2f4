using Kodiak.Bundle;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.Inference.Tests;

public sealed class PredictorTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    string Bundle(string name = "colours.kodiak") => ColourModel.Write(Path.Combine(_temp.Path, name));

    string Image(string name, byte r, byte g, byte b) =>
        _temp.Write(name, ImageEncoder.Encode(TestImages.Solid(40, 30, r, g, b), ImageFormat.Png));

    static void AssertProbabilities(float[] expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"class {i}: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Predicts_label_index_and_probabilities()
    {
        using var predictor = Predictor.Load(Bundle());

        var (label, index, probabilities) = predictor.Predict(Image("tomato.png", 220, 30, 30));

        Assert.Equal("red", label);
        Assert.Equal(0, index);
        AssertProbabilities(ColourModel.Expected(220 / 255.0, 30 / 255.0, 30 / 255.0), probabilities);
        Assert.Equal(ColourModel.Classes, predictor.Classes);
    }

    [Fact]
    public void Predicting_with_features_gives_the_same_predictions_and_the_models_features_in_order()
    {
        using var predictor = Predictor.Load(Bundle(), new PredictorOptions { BatchSize = 2 });
        ImageSource[] images = [Image("a.png", 20, 20, 200), Image("b.png", 200, 20, 20), Image("c.png", 20, 200, 20)];

        var results = predictor.PredictWithFeatures(images);

        Assert.Equal(48, predictor.FeatureCount);
        Assert.Equal(predictor.PredictBatch(images).Select(p => p.Probabilities), results.Select(r => r.Prediction.Probabilities));
        float[] expected = [.. Enumerable.Repeat(200 / 255f, 16), .. Enumerable.Repeat(20 / 255f, 32)];
        Assert.Equal(expected, results[1].Features, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(20 / 255f, results[0].Features[0], 5);
    }

    [Fact]
    public void A_model_without_features_predicts_but_cannot_give_features()
    {
        using var predictor = Predictor.Load(ColourModel.Write(Path.Combine(_temp.Path, "plain.kodiak"), features: false));
        ImageSource[] images = [Image("a.png", 20, 20, 200)];

        Assert.Equal("blue", predictor.PredictBatch(images)[0].Label);
        Assert.Equal(0, predictor.FeatureCount);
        Assert.Contains("no 'features' output", Assert.Throws<InvalidOperationException>(() => predictor.PredictWithFeatures(images)).Message);
    }

    /// <summary>A bundle whose default model has features and whose variant <c>plain</c> is the same model without them.</summary>
    string TwoVariantBundle()
    {
        var full = ModelBundle.Open(Bundle());
        byte[] plain = ModelBundle.Open(ColourModel.Write(Path.Combine(_temp.Path, "plain.kodiak"), features: false)).ReadOnnxModel();
        string path = Path.Combine(_temp.Path, "variants.kodiak");
        ModelBundle.Write(path, full.Manifest, full.ReadOnnxModel(), new Dictionary<string, ReadOnlyMemory<byte>> { ["model.plain.onnx"] = plain },
            new Dictionary<string, string> { ["plain"] = "model.plain.onnx" });
        return path;
    }

    [Fact]
    public void The_default_variant_is_loaded_unless_another_is_asked_for()
    {
        string path = TwoVariantBundle();

        using var fp32 = Predictor.Load(path);
        using var plain = Predictor.Load(path, new PredictorOptions { Variant = "plain" });

        Assert.Equal(("fp32", 48), (fp32.Variant, fp32.FeatureCount));
        Assert.Equal(("plain", 0), (plain.Variant, plain.FeatureCount));
        string image = Image("tomato.png", 220, 30, 30);
        AssertProbabilities([.. fp32.Predict(image).Probabilities], plain.Predict(image).Probabilities);
    }

    [Fact]
    public void Asking_for_a_variant_the_bundle_lacks_names_the_variants_it_has()
    {
        var e = Assert.Throws<ArgumentException>(() => Predictor.Load(TwoVariantBundle(), new PredictorOptions { Variant = "bf16" }));

        Assert.Contains("variants.kodiak' has no model variant 'bf16'; it has fp32, plain", e.Message);
    }

    [Fact]
    public void Asking_for_int8_from_a_bundle_without_it_says_how_to_add_it()
    {
        string path = TwoVariantBundle();

        var e = Assert.Throws<ArgumentException>(() => Predictor.Load(path, new PredictorOptions { Variant = ModelBundle.Int8Variant }));

        Assert.Contains($"'{path}' has no int8 model", e.Message);
        Assert.Contains($"kodiak export --int8 {path}", e.Message);
    }

    [Fact]
    public void A_bundle_with_an_int8_model_predicts_with_it_unless_fp32_is_asked_for()
    {
        var full = ModelBundle.Open(Bundle());
        // The model without features stands in for a quantized one: which outputs it has tells the two apart.
        byte[] plain = ModelBundle.Open(ColourModel.Write(Path.Combine(_temp.Path, "plain.kodiak"), features: false)).ReadOnnxModel();
        string path = Path.Combine(_temp.Path, "with-int8.kodiak");
        ModelBundle.Write(path, full.Manifest, full.ReadOnnxModel(),
            new Dictionary<string, ReadOnlyMemory<byte>> { [ModelBundle.Int8Entry] = plain },
            new Dictionary<string, string> { [ModelBundle.Int8Variant] = ModelBundle.Int8Entry });

        using var byDefault = Predictor.Load(path);
        using var fp32 = Predictor.Load(path, new PredictorOptions { Variant = ModelBundle.DefaultVariant });

        Assert.Equal(("int8", 0), (byDefault.Variant, byDefault.FeatureCount));
        Assert.Equal(("fp32", 48), (fp32.Variant, fp32.FeatureCount));
    }

    [Fact]
    public void A_path_bytes_and_a_stream_give_the_same_prediction()
    {
        using var predictor = Predictor.Load(Bundle());
        string path = Image("leaf.png", 40, 180, 60);

        var fromPath = predictor.Predict(path);
        var fromBytes = predictor.Predict(File.ReadAllBytes(path));
        using var stream = File.OpenRead(path);
        var fromStream = predictor.Predict(stream);

        Assert.Equal("green", fromPath.Label);
        Assert.Equal(fromPath.Probabilities, fromBytes.Probabilities);
        Assert.Equal(fromPath.Probabilities, fromStream.Probabilities);
    }

    [Fact]
    public void A_batch_gives_each_image_its_own_prediction_in_order()
    {
        using var predictor = Predictor.Load(Bundle(), new PredictorOptions { BatchSize = 2 });
        ImageSource[] images = [Image("a.png", 20, 20, 200), Image("b.png", 200, 20, 20), Image("c.png", 20, 200, 20), Image("d.png", 10, 10, 250), Image("e.png", 250, 0, 0)];

        var batch = predictor.PredictBatch(images);

        Assert.Equal(["blue", "red", "green", "blue", "red"], batch.Select(p => p.Label));
        for (int i = 0; i < images.Length; i++)
            AssertProbabilities([.. predictor.Predict(images[i]).Probabilities], batch[i].Probabilities);
    }

    [Fact]
    public void Predictions_from_many_threads_at_once_are_each_right()
    {
        using var predictor = Predictor.Load(Bundle(), new PredictorOptions { IntraOpThreads = 1 });
        var colours = new (string Label, byte R, byte G, byte B)[] { ("red", 230, 10, 10), ("green", 10, 230, 10), ("blue", 10, 10, 230) };
        var files = colours.Select(c => (c.Label, Path: Image($"{c.Label}.png", c.R, c.G, c.B))).ToArray();

        var labels = new string[300];
        Parallel.For(0, labels.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => labels[i] = predictor.Predict(files[i % 3].Path).Label);

        Assert.Equal(Enumerable.Range(0, labels.Length).Select(i => files[i % 3].Label), labels);
    }

    [Fact]
    public void A_bundle_copied_to_another_folder_and_name_loads()
    {
        string copy = Path.Combine(_temp.Path, "shipped", "my model.kodiak");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Bundle(), copy);

        using var predictor = Predictor.Load(copy);

        Assert.Equal("blue", predictor.Predict(Image("sky.png", 30, 60, 230)).Label);
    }

    [Fact]
    public void An_unreadable_image_names_the_file()
    {
        using var predictor = Predictor.Load(Bundle());
        string notes = _temp.Write("notes.jpg", TestImages.Text("not a picture"));

        var e = Assert.Throws<ImageDecodeException>(() => predictor.Predict(notes));

        Assert.Equal(notes, e.Path);
    }

    [Fact]
    public void A_truncated_bundle_is_a_clear_error()
    {
        string cut = BundleFiles.Truncated(Bundle(), Path.Combine(_temp.Path, "cut.kodiak"));

        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(cut));

        Assert.Contains("cut.kodiak' is not a readable Kodiak bundle", e.Message);
    }

    [Fact]
    public void A_tampered_model_is_refused_before_it_is_run()
    {
        string changed = BundleFiles.Tampered(Bundle(), Path.Combine(_temp.Path, "changed.kodiak"), ModelBundle.OnnxEntry);

        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(changed));

        Assert.Contains("model.onnx does not match the SHA-256 recorded in kodiak.json", e.Message);
    }

    [Fact]
    public void A_model_whose_outputs_do_not_match_its_classes_is_refused()
    {
        string path = ColourModel.Write(Path.Combine(_temp.Path, "four.kodiak"), outputs: 4);

        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(path));

        Assert.Contains("no 'probabilities' output of [N, 3] for the 3 classes", e.Message);
    }

    [Fact]
    public void A_bundle_whose_transforms_do_not_give_the_models_input_size_is_refused_at_load()
    {
        string path = ColourModel.Write(Path.Combine(_temp.Path, "resized.kodiak"), size: 16, resizeTo: 8);

        var e = Assert.Throws<InvalidDataException>(() => Predictor.Load(path));

        Assert.Contains("resized.kodiak", e.Message);
        Assert.Contains("(Resize(8, Squish)) bring images to 8×8, not to the 16×16 its model takes", e.Message);
    }
}
