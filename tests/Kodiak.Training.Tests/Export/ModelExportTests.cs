using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Training.Data;
using Kodiak.Training.Export;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Training.Tests.Data;
using Kodiak.Vision;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Export;

/// <summary>
/// A learner on the bundled clip-art sample (64 px, RandomResizedCrop so validation squishes and centre-crops),
/// with the head's BatchNorm statistics made non-trivial so that folding them is really tested, exported once.
/// </summary>
public sealed class ExportedLearnerFixture : IDisposable
{
    readonly TempFolder _temp = new();

    public ExportedLearnerFixture()
    {
        var block = new DataBlock(ImageFiles.Get, new RandomSplitter(0.2, seed: 42), Labels.ParentFolder,
            [new RandomResizedCrop(64, minScale: 0.5)]);
        // As typed on a command line: relative to the current folder.
        Samples = SampleImages.Subset(_temp.Path);
        string samples = Path.GetRelativePath(Environment.CurrentDirectory, Samples);
        Learner = VisionLearner.Create(block.DataLoaders(samples, batchSize: 16, workers: 1), Arch.ResNet18, seed: 11);
        ModelExportTests.RandomiseHeadStatistics(Learner.Model, seed: 3);
        BundlePath = Path.Combine(_temp.Path, "model.kodiak");
        Learner.Export(BundlePath);
    }

    public Learner Learner { get; }

    /// <summary>The sample subset it learned from (50 images a class).</summary>
    public string Samples { get; }

    public string BundlePath { get; }

    public void Dispose()
    {
        Learner.Dispose();
        _temp.Dispose();
    }
}

public sealed class ModelExportTests(ExportedLearnerFixture fixture, ITestOutputHelper output) : IClassFixture<ExportedLearnerFixture>
{
    /// <summary>A fresh head's BatchNorm is the identity in eval mode; give it statistics and affine weights that are not.</summary>
    internal static void RandomiseHeadStatistics(ClassifierModel model, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var g = new Generator((ulong)seed);
        foreach (var bn in new[] { model.Head.Bn1, model.Head.Bn2 })
        {
            long n = bn.running_mean!.shape[0];
            bn.running_mean.copy_(randn([n], generator: g).mul_(0.5));
            bn.running_var!.copy_(rand([n], generator: g).add_(0.5));
            bn.weight!.copy_(rand([n], generator: g).add_(0.5));
            bn.bias!.copy_(randn([n], generator: g).mul_(0.2));
        }
    }

    static float MaxDifference(IReadOnlyList<float> a, IReadOnlyList<float> b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();

    // Width ≠ height, so a swapped axis would show; 75 × 50 is no multiple of 32, so the stride-2 layers pad odd sizes.
    [Theory]
    [InlineData(96, 64)]
    [InlineData(75, 50)]
    public void Onnx_runtime_gives_torchsharp_eval_probabilities_on_20_real_images(int width, int height)
    {
        using var scope = NewDisposeScope();
        // Every seventh sample image: 20 across all three classes.
        var files = ImageFiles.Get(fixture.Samples).Where((_, i) => i % 7 == 0).Take(20).ToList();
        Assert.Equal(20, files.Count);
        IItemTransform[] transforms = [new Resize(width, height, ResizeMethod.Squish)];
        int length = 3 * width * height;
        var pixels = new float[files.Count * length];
        for (int i = 0; i < files.Count; i++)
            ItemPipeline.Load(files[i], transforms, ItemContext.Validation()).ToChwFloats(pixels.AsSpan(i * length, length));
        var model = fixture.Learner.Model;
        model.eval();
        float[] expected;
        using (no_grad())
            expected = nn.functional.softmax(model.forward(tensor(pixels, [files.Count, 3, height, width])), 1).data<float>().ToArray();

        byte[] onnx = OnnxExport.Export(model, fixture.Learner.Dls.Vocab, width, height);
        using var session = new InferenceSession(onnx);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [files.Count, 3, height, width]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [OnnxTensors.Input], [input], [OnnxTensors.Probabilities]);
        float[] actual = results[0].GetTensorDataAsSpan<float>().ToArray();

        float worst = MaxDifference(expected, actual);
        output.WriteLine($"max |p_onnx − p_torch| over {files.Count} images × 3 classes: {worst:G3}");
        Assert.True(worst <= 1e-4f, $"ONNX Runtime and TorchSharp probabilities differ by {worst}");
        // The model must really discriminate, or agreement would prove little.
        Assert.True(expected.Max() - expected.Min() > 0.2f, $"probabilities span only {expected.Min()}–{expected.Max()}");
    }

    [Fact]
    public void The_features_output_is_the_bodys_average_pooled_activations()
    {
        using var scope = NewDisposeScope();
        var files = ImageFiles.Get(fixture.Samples).Where((_, i) => i % 15 == 0).Take(10).ToList();
        using var predictor = Predictor.Load(fixture.BundlePath);
        int length = 3 * 64 * 64;
        var pixels = new float[files.Count * length];
        for (int i = 0; i < files.Count; i++)
            predictor.Preprocess(files[i], pixels.AsSpan(i * length, length));
        var model = fixture.Learner.Model;
        model.eval();
        float[] expected;
        using (no_grad())
            expected = model.Body.forward(CntkImageNetInput.Apply(tensor(pixels, [files.Count, 3, 64, 64]))).mean([2, 3]).data<float>().ToArray();

        var actual = predictor.PredictWithFeatures([.. files.Select(f => (ImageSource)f)]).SelectMany(p => p.Features).ToArray();

        Assert.Equal(512, predictor.FeatureCount);
        float worst = MaxDifference(expected, actual), scale = expected.Max();
        output.WriteLine($"max |f_onnx − f_torch| over {files.Count} images × 512 features: {worst:G3} (largest feature {scale:G3})");
        Assert.True(worst <= 1e-4f * Math.Max(1, scale), $"ONNX Runtime and TorchSharp features differ by {worst}");
        Assert.True(scale > 0.1f, "the features are all near zero");
    }

    [Fact]
    public void The_predictor_gives_the_learners_own_validation_predictions()
    {
        var preds = fixture.Learner.GetPreds();
        using var predictor = Predictor.Load(fixture.BundlePath);

        var predictions = predictor.PredictBatch([.. preds.Paths.Select(p => (ImageSource)p)]);

        Assert.Equal(fixture.Learner.Dls.Vocab, predictor.Classes);
        float worst = 0;
        for (int i = 0; i < predictions.Count; i++)
        {
            Assert.Equal(preds.Predictions[i], predictions[i].Index);
            worst = Math.Max(worst, MaxDifference([.. Enumerable.Range(0, predictor.Classes.Count).Select(c => preds.Probability(i, c))], predictions[i].Probabilities));
        }
        output.WriteLine($"max |p_predictor − p_getpreds| over {predictions.Count} validation images: {worst:G3}");
        Assert.True(worst <= 1e-4f, $"Predictor and GetPreds differ by {worst}");
    }

    [Fact]
    public void The_bundles_out_of_domain_threshold_flags_the_asked_share_of_validation_images_as_served_and_noise()
    {
        var validation = fixture.Learner.Dls.Valid.Items.Select(item => (ImageSource)item.Path).ToList();
        using var predictor = Predictor.Load(fixture.BundlePath);
        var calibration = predictor.OutOfDomainCalibration!;

        var predictions = predictor.PredictBatch(validation);
        var noise = new RgbImage(200, 150);
        new Random(5).NextBytes(noise.Pixels);
        var far = predictor.Predict(ImageEncoder.Encode(noise, ImageFormat.Png));

        Assert.Equal(OutOfDomainMethod.Mahalanobis, calibration.Method);
        Assert.True(calibration.NormaliseFeatures);
        Assert.Equal(512, calibration.FeatureCount);
        Assert.Equal(validation.Count, calibration.ValidationImages);
        Assert.InRange(calibration.ValidationFalseAlarmRate, 0, 0.05);
        // Fitted on TorchSharp's features, scored on ONNX Runtime's: at most one image may fall on the other side.
        int flagged = predictions.Count(p => p.OutOfDomain == true);
        output.WriteLine($"validation images flagged as served: {flagged} of {validation.Count}; at export {calibration.ValidationFalseAlarmRate:P1}; noise score {far.OutOfDomainScore:0.0} vs threshold {calibration.Threshold:0.0}");
        Assert.InRange(flagged, Math.Max(0, (int)Math.Round(calibration.ValidationFalseAlarmRate * validation.Count) - 1), (int)Math.Round(calibration.ValidationFalseAlarmRate * validation.Count) + 1);
        Assert.True(far.OutOfDomain);
    }

    [Fact]
    public void Export_without_a_false_alarm_rate_writes_no_out_of_domain_calibration()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "plain.kodiak");

        fixture.Learner.Export(path, outOfDomainFalseAlarmRate: null);

        Assert.DoesNotContain(OutOfDomainCalibration.EntryName, ModelBundle.Open(path).Manifest.Entries);
    }

    [Fact]
    public void The_predictor_prepares_an_image_exactly_as_the_validation_loader_does()
    {
        var valid = fixture.Learner.Dls.Valid;
        using var batch = valid.Epoch(0).First();
        using var predictor = Predictor.Load(fixture.BundlePath);
        var loaded = batch.Images.data<float>().ToArray();
        int length = (int)(batch.Images.numel() / batch.Paths.Count);

        for (int i = 0; i < batch.Paths.Count; i++)
        {
            var prepared = new float[length];
            predictor.Preprocess(batch.Paths[i], prepared);
            Assert.Equal(loaded.AsSpan(i * length, length).ToArray(), prepared);
        }
    }

    [Fact]
    public void A_model_loaded_from_the_bundle_has_the_exported_weights()
    {
        using var loaded = ClassifierModel.Load(fixture.BundlePath);
        var original = fixture.Learner.Model.state_dict();

        foreach (var (name, value) in loaded.state_dict())
            Assert.True(value.eq(original[name]).all().item<bool>(), name);
        Assert.Equal(original.Count, loaded.state_dict().Count);
    }

    [Fact]
    public void The_bundle_describes_the_data_and_the_validation_transform()
    {
        var manifest = ModelBundle.Open(fixture.BundlePath).Manifest;

        Assert.Equal(["animals", "food", "vehicles"], manifest.Classes);
        Assert.Equal(fixture.Samples, manifest.Training.DataFolder);
        Assert.Equal((64, 64), (manifest.Input.Width, manifest.Input.Height));
        Assert.Equal("RandomResizedCrop(64, scale 0.5–1, ratio 0.75–1.33)", Assert.Single(TransformRecipe.FromJson(manifest.ItemTransforms, "m")).ToString());
        Assert.Equal(fixture.Learner.Dls.Valid.Items.Count, manifest.Training.Items["valid"].Values.Sum());
        Assert.Equal(fixture.Learner.Dls.Train.Items.Count(i => i.Label == 0), manifest.Training.Items["train"]["animals"]);
        Assert.Equal(fixture.Learner.Dls.Valid.Items.Select(i => Path.GetRelativePath(fixture.Samples, i.Path).Replace('\\', '/')), manifest.Training.ValidItems);
        Assert.All(manifest.Training.ValidItems!, item => Assert.True(File.Exists(Path.Combine(fixture.Samples, item)), item));
    }

    [Fact]
    public void A_learner_without_a_fixed_input_size_cannot_be_exported()
    {
        using var temp = new TempFolder();
        string data = DataFixture.Write(temp, perClass: 4);
        var block = DataFixture.Block().With(itemTransforms: []);
        using var learner = VisionLearner.Create(block.DataLoaders(data, batchSize: 4, workers: 1), Arch.ResNet18);

        var e = Assert.Throws<InvalidOperationException>(() => learner.Export(Path.Combine(temp.Path, "m.kodiak")));

        Assert.Contains("add an item transform such as new Resize(224)", e.Message);
        Assert.False(File.Exists(Path.Combine(temp.Path, "m.kodiak")));
    }

    [Fact]
    public void A_model_loaded_back_from_a_format_2_bundle_gives_the_learners_logits_and_trains_further()
    {
        using var temp = new TempFolder();
        var dls = DataFixture.Block().DataLoaders(DataFixture.Write(temp), batchSize: 4, workers: 1);
        using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: 5);
        RandomiseHeadStatistics(learner.Model, seed: 8);
        string path = Path.Combine(temp.Path, "m.kodiak");
        learner.Export(path);
        using var batch = dls.Valid.Epoch(0).First();

        var loaded = ClassifierModel.Load(path);
        using var again = new Learner(dls, loaded);
        loaded.eval();
        float[] expected, actual;
        using (no_grad())
        {
            expected = learner.Model.forward(batch.Images).data<float>().ToArray();
            actual = loaded.forward(batch.Images).data<float>().ToArray();
        }

        Assert.True(MaxDifference(expected, actual) <= 1e-5f, $"logits differ by {MaxDifference(expected, actual)}");
        float[] headBefore = loaded.Head.Lin2.weight!.data<float>().ToArray();
        again.FitOneCycle(1, 1e-2);
        Assert.True(double.IsFinite(Assert.Single(again.Recorder.Epochs).TrainLoss));
        Assert.NotEqual(headBefore, loaded.Head.Lin2.weight!.data<float>().ToArray());
    }

    [Fact]
    public void A_registered_custom_item_transform_is_exported_and_the_predictor_prepares_images_as_the_validation_loader_does()
    {
        Posterize.Register();
        using var temp = new TempFolder();
        var block = DataFixture.Block().With(itemTransforms: [new Posterize(levels: 3), new Resize(16, ResizeMethod.Squish)]);
        var dls = block.DataLoaders(DataFixture.Write(temp), batchSize: 4, workers: 1);
        using var learner = VisionLearner.Create(dls, Arch.ResNet18);
        string path = Path.Combine(temp.Path, "m.kodiak");

        learner.Export(path);

        using var predictor = Predictor.Load(path);
        Assert.Equal("Posterize(3)", TransformRecipe.FromJson(predictor.Manifest.ItemTransforms, "m")[0].ToString());
        using var batch = dls.Valid.Epoch(0).First();
        var loaded = batch.Images.data<float>().ToArray();
        int length = 3 * 16 * 16;
        for (int i = 0; i < batch.Paths.Count; i++)
        {
            var prepared = new float[length];
            predictor.Preprocess(batch.Paths[i], prepared);
            Assert.Equal(loaded.AsSpan(i * length, length).ToArray(), prepared);
        }

        // The solid class colours (220, 30, 30…) come out posterized to 0, 128 or 255: the transform really ran on both sides.
        float[] levels = [0f, 128 / 255f, 1f];
        Assert.All(loaded, v => Assert.Contains(levels, l => Math.Abs(l - v) < 1e-6f));
    }

    [Fact]
    public void An_unregistered_custom_item_transform_fails_at_export_naming_it()
    {
        using var temp = new TempFolder();
        var block = DataFixture.Block().With(itemTransforms: [new Unregistered(), new Resize(16, ResizeMethod.Squish)]);
        using var learner = VisionLearner.Create(block.DataLoaders(DataFixture.Write(temp), batchSize: 4, workers: 1), Arch.ResNet18);
        string path = Path.Combine(temp.Path, "m.kodiak");

        var e = Assert.Throws<NotSupportedException>(() => learner.Export(path));

        Assert.Contains("Unregistered", e.Message);
        Assert.Contains("TransformRecipe.Register", e.Message);
        Assert.False(File.Exists(path));
    }

    /// <summary>Rounds every channel to one of <c>levels</c> values: a user's own transform, with a setting to save.</summary>
    sealed class Posterize(int levels) : IItemTransform
    {
        public int Levels { get; } = levels;

        public static void Register() => TransformRecipe.Register<Posterize>("Posterize", p => new() { ["levels"] = p.Levels },
            json => new Posterize(json.GetProperty("levels").GetInt32()));

        public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight) => (sourceWidth, sourceHeight);

        public RgbImage Apply(RgbImage image, ItemContext context)
        {
            double step = 255.0 / (Levels - 1);
            return new RgbImage(image.Width, image.Height, [.. image.Pixels.Select(p => (byte)Math.Round(Math.Round(p / step) * step))]);
        }

        public override string ToString() => $"Posterize({Levels})";
    }

    sealed class Unregistered : IItemTransform
    {
        public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight) => (sourceWidth, sourceHeight);

        public RgbImage Apply(RgbImage image, ItemContext context) => image;

        public override string ToString() => "Unregistered";
    }
}
