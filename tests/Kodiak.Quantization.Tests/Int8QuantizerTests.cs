using Kodiak.Bundle;
using Kodiak.Testing.Training;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Kodiak.Quantization.Tests;

[Collection(TrainedSampleFixture.Collection)]
public sealed class Int8QuantizerTests(TrainedSampleFixture sample)
{
    // Each test names the data folder: the cached sample bundle records the folder of the process that trained it first.
    string CopyOfBundle()
    {
        string path = Path.Combine(sample.Temp, $"{Guid.NewGuid():N}.kodiak");
        File.Copy(sample.Bundle, path);
        return path;
    }

    [Fact]
    public void Int8_model_agrees_with_fp32_on_the_validation_images()
    {
        string path = CopyOfBundle();
        var report = Int8Quantizer.AddInt8(path, sample.Data);

        Assert.Equal(sample.Validation.Paths.Count, report.ValidationImages);
        Assert.True(report.LabelAgreement >= 0.99, $"labels agree on {report.LabelAgreement:P1}");
        Assert.True(Math.Abs(report.Int8ErrorRate - report.Fp32ErrorRate) <= 0.005, $"error {report.Fp32ErrorRate:P1} (fp32) → {report.Int8ErrorRate:P1} (int8)");
        // The fp32 error measured here is the training process's own on the same images.
        Assert.Equal(1 - sample.Validation.Accuracy, report.Fp32ErrorRate, 3);
    }

    [Fact]
    public void Bundle_keeps_its_fp32_model_and_gains_an_int8_one_in_qdq_form()
    {
        string path = CopyOfBundle();
        var before = ModelBundle.Open(path);
        byte[] fp32 = before.ReadOnnxModel();

        var report = Int8Quantizer.AddInt8(path, sample.Data);

        var after = ModelBundle.Open(path);
        Assert.Equal(fp32, after.ReadOnnxModel());
        Assert.Equal(before.Manifest.Entries.Append(ModelBundle.Int8Entry).Order(), after.Manifest.Entries.Order());
        Assert.Equal(ModelBundle.Int8Entry, after.Manifest.Variants[ModelBundle.Int8Variant]);
        Assert.Equal(report, after.Manifest.Quantization);
        Assert.Equal(before.Manifest.TrainingWeights, after.Manifest.TrainingWeights);
        var graph = ModelProto.Parser.ParseFrom(after.ReadOnnxModel(ModelBundle.Int8Variant)).Graph;
        // Every convolution reads int8 weights through a DequantizeLinear, so ONNX Runtime can fuse it into QLinearConv.
        var producers = graph.Node.ToDictionary(n => n.Output[0]);
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        Assert.Equal(ModelProto.Parser.ParseFrom(fp32).Graph.Node.Count(n => n.OpType == "Conv"), convs.Count);
        Assert.All(convs, conv => Assert.Equal("DequantizeLinear", producers[conv.Input[1]].OpType));
        Assert.All(convs, conv => Assert.Equal("DequantizeLinear", producers[conv.Input[0]].OpType));
        Assert.Contains(graph.Initializer, i => i.DataType == (int)TensorProto.Types.DataType.Int8);
    }

    [Fact]
    public void Int8_model_is_a_third_of_the_size_and_gives_the_same_outputs()
    {
        string path = CopyOfBundle();
        Int8Quantizer.AddInt8(path, sample.Data);
        var bundle = ModelBundle.Open(path);
        byte[] int8 = bundle.ReadOnnxModel(ModelBundle.Int8Variant);

        Assert.True(int8.Length < bundle.ReadOnnxModel().Length / 3, $"{int8.Length} bytes");
        using var session = new InferenceSession(int8);
        Assert.Equal([OnnxTensors.Features, OnnxTensors.Logits, OnnxTensors.Probabilities], session.OutputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([OnnxTensors.Input], session.InputMetadata.Keys);
    }

    [Fact]
    public void Onnx_runtime_runs_every_int8_convolution_as_qlinearconv()
    {
        string path = CopyOfBundle();
        Int8Quantizer.AddInt8(path, sample.Data, calibrationImages: 16);
        string optimized = Path.Combine(sample.Temp, $"{Guid.NewGuid():N}.onnx");

        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
        using (new InferenceSession(ModelBundle.Open(path).ReadOnnxModel(ModelBundle.Int8Variant), options))
        {
        }

        var ops = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node.Select(n => n.OpType).ToList();
        int convs = ModelProto.Parser.ParseFrom(ModelBundle.Open(path).ReadOnnxModel()).Graph.Node.Count(n => n.OpType == "Conv");
        Assert.Equal(convs, ops.Count(op => op == "QLinearConv"));
        Assert.DoesNotContain("Conv", ops);
        Assert.Contains("QLinearAdd", ops);
    }

    [Fact]
    public void A_second_run_replaces_the_int8_model()
    {
        string path = CopyOfBundle();
        Int8Quantizer.AddInt8(path, sample.Data);
        var report = Int8Quantizer.AddInt8(path, sample.Data, calibrationImages: 8);

        var bundle = ModelBundle.Open(path);
        Assert.Equal(8, report.CalibrationImages);
        Assert.Equal(8, bundle.Manifest.Quantization!.CalibrationImages);
        Assert.Single(bundle.Manifest.Entries, ModelBundle.Int8Entry);
    }

    [Fact]
    public void A_missing_data_folder_is_named()
    {
        string path = CopyOfBundle();
        string missing = Path.Combine(sample.Temp, "no-such-data");

        var e = Assert.Throws<DirectoryNotFoundException>(() => Int8Quantizer.AddInt8(path, missing));

        Assert.Contains(missing, e.Message);
        Assert.Null(ModelBundle.Open(path).Manifest.Quantization);
    }

    [Fact]
    public void A_recorded_data_folder_that_is_gone_asks_for_data()
    {
        string path = CopyOfBundle();
        string gone = Path.Combine(sample.Temp, "moved-away");
        byte[] fp32 = ModelBundle.Open(path).ReadOnnxModel();
        // A bundle trained on a folder since moved: its description names a folder that is not there.
        ModelBundle.WriteVariant(path, "copy", "copy.onnx", fp32, m => m with { Training = m.Training with { DataFolder = gone } });

        var e = Assert.Throws<DirectoryNotFoundException>(() => Int8Quantizer.AddInt8(path));

        Assert.Contains(gone, e.Message);
        Assert.Contains("--data", e.Message);
    }

    [Fact]
    public void An_unreadable_image_in_the_data_is_named()
    {
        string path = CopyOfBundle();
        string data = Path.Combine(sample.Temp, $"data-{Guid.NewGuid():N}");
        foreach (string file in Directory.EnumerateFiles(sample.Data, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(data, Path.GetRelativePath(sample.Data, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        string broken = Path.Combine(data, ModelBundle.Open(path).Manifest.Classes[0], "broken.jpg");
        File.WriteAllBytes(broken, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);

        var e = Assert.Throws<InvalidDataException>(() => Int8Quantizer.AddInt8(path, data));

        Assert.Contains(broken, e.Message);
    }

    [Fact]
    public void A_data_folder_without_the_models_classes_is_refused()
    {
        string path = CopyOfBundle();
        string data = Path.Combine(sample.Temp, $"other-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(data, "not-a-class"));
        File.Copy(Directory.EnumerateFiles(sample.Data, "*.jpg", SearchOption.AllDirectories).First(), Path.Combine(data, "not-a-class", "a.jpg"));

        var e = Assert.Throws<InvalidDataException>(() => Int8Quantizer.AddInt8(path, data));

        Assert.Contains(data, e.Message);
    }
}
