using Kodiak.Testing;
using Kodiak.Training.Models;
using Kodiak.Training.Optimisation;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests.Learn;

public sealed class MixedPrecisionTests : IDisposable
{
    static readonly PrecisionChoice Bf16 = new(Precision.Bf16, "asked for");
    static readonly PrecisionChoice Fp32 = new(Precision.Fp32, "asked for");
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Bf16_training_lowers_the_validation_loss_and_leaves_weights_gradients_and_optimiser_state_in_fp32()
    {
        using var learner = TinyLearner.Create(_temp, perClass: 8);
        learner.Precision = Bf16;
        double before = learner.GetPreds().Losses.Average();

        learner.FineTune(2, baseLr: 1e-2);

        double after = learner.GetPreds().Losses.Average();
        Assert.True(after < before, $"validation loss {before:0.000} → {after:0.000}");
        Assert.All(learner.Model.named_parameters(), p => Assert.Equal(ScalarType.Float32, p.parameter.dtype));
        Assert.All(learner.Model.named_parameters().Where(p => p.parameter.grad is not null),
            p => Assert.Equal(ScalarType.Float32, p.parameter.grad!.dtype));
        // Reading the moments as floats fails for any other type.
        Assert.NotEmpty(learner.OptimizerMoments.OfType<ParameterState>());
    }

    [Fact]
    public void A_bf16_forward_pass_gives_fp32_logits_close_to_the_fp32_ones_but_not_the_same()
    {
        using var learner = TinyLearner.Create(_temp);
        var model = learner.Model;
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = rand(4, 3, 32, 32, generator: new Generator(1));

        var fp32 = model.forward(images);
        model.Precision = Precision.Bf16;
        var bf16 = model.forward(images);

        Assert.Equal(ScalarType.Float32, bf16.dtype);
        double difference = (bf16 - fp32).abs().max().item<float>(), scale = fp32.abs().max().item<float>();
        Assert.True(difference > 0, "the bf16 pass gave exactly the fp32 logits: it did not compute in bf16");
        Assert.True(difference < 0.1 * scale, $"bf16 logits differ from fp32 by {difference} (largest logit {scale})");
    }

    [Fact]
    public void Switching_back_to_fp32_trains_exactly_as_a_learner_that_never_used_bf16()
    {
        using var untouched = TinyLearner.Create(_temp);
        untouched.FineTune(1, baseLr: 1e-2);
        using var switched = TinyLearner.Create(_temp);
        switched.Precision = Bf16;
        switched.GetPreds();
        switched.Precision = Fp32;
        switched.FineTune(1, baseLr: 1e-2);

        Assert.Equal(untouched.Recorder.Losses, switched.Recorder.Losses);
    }

    [Fact]
    public void The_model_refuses_auto_unresolved()
    {
        using var learner = TinyLearner.Create(_temp);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => learner.Model.Precision = Precision.Auto);
        Assert.Contains("PrecisionChoice.Of", error.Message);
    }
}
