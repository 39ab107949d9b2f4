using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Testing;
using Kodiak.Training.Export;
using Kodiak.Training.Models;
using Kodiak.Training.Tests.Learn;
using Kodiak.Vision.Codecs;
using Onnx;

namespace Kodiak.Training.Tests.Export;

public sealed class MixedPrecisionExportTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_model_trained_in_bf16_exports_fp32_onnx_that_matches_the_torch_model_run_in_fp32()
    {
        using var learner = TinyLearner.Create(_temp);
        learner.Precision = new PrecisionChoice(Precision.Bf16, "asked for");
        learner.FineTune(1, baseLr: 1e-2);
        string path = Path.Combine(_temp.Path, "model.kodiak");

        learner.Export(path);

        var bundle = ModelBundle.Open(path);
        Assert.Equal("bf16", bundle.Manifest.Training!.Precision);
        var graph = ModelProto.Parser.ParseFrom(bundle.ReadOnnxModel()).Graph;
        Assert.All(graph.Initializer, t => Assert.Equal((int)TensorProto.Types.DataType.Float, t.DataType));
        Assert.All(graph.Input.Concat(graph.Output), v => Assert.Equal((int)TensorProto.Types.DataType.Float, v.Type.TensorType.ElemType));
        // The training weights beside the bundle load into an fp32 model.
        using (var loaded = ClassifierModel.Load(path))
            Assert.All(loaded.parameters(), p => Assert.Equal(TorchSharp.torch.ScalarType.Float32, p.dtype));

        learner.Precision = new PrecisionChoice(Precision.Fp32, "asked for");
        var preds = learner.GetPreds();
        using var predictor = Predictor.Load(path);
        var predictions = predictor.PredictBatch([.. preds.Paths.Select(p => (ImageSource)p)]);
        float worst = 0;
        for (int i = 0; i < predictions.Count; i++)
            for (int c = 0; c < predictor.Classes.Count; c++)
                worst = Math.Max(worst, Math.Abs(preds.Probability(i, c) - predictions[i].Probabilities[c]));
        Assert.True(worst <= 1e-4f, $"the exported model and the fp32 torch model differ by {worst}");
    }
}
