using Kodiak.Training.Optimisation;
using TorchSharp.Modules;
using static TorchSharp.torch;
using ParamGroup = Kodiak.Training.Optimisation.ParamGroup;

namespace Kodiak.Training.Tests.Optimisation;

public sealed class FastAdamOptimizerTests
{
    /// <summary>A 2x3 linear layer with known weights, bias and a loss whose gradient is easy to read.</summary>
    private static Linear TinyLinear()
    {
        var lin = nn.Linear(3, 2);
        using (no_grad())
        {
            lin.weight!.copy_(tensor(new float[] { 0.5f, -0.25f, 1f, 2f, 0f, -1f }).reshape(2, 3));
            lin.bias!.copy_(tensor(new float[] { 0.1f, -0.2f }));
        }
        return lin;
    }

    /// <summary>Loss = sum(lin(x)) for one input x, so dW[i, j] = x[j] and db[i] = 1.</summary>
    private static readonly float[] X = [1f, -2f, 3f];

    private static void Backward(Linear lin)
    {
        using var scope = NewDisposeScope();
        lin.forward(tensor(X).reshape(1, 3)).sum().backward();
    }

    /// <summary>fastai's Adam, one step from zero state, in plain double arithmetic.</summary>
    private static double AdamStep(double p, double g, double lr, double wd, double b1 = 0.9, double b2 = 0.99, double eps = 1e-5)
    {
        p *= 1 - lr * wd;
        double avg = (1 - b1) * g;
        double sqr = (1 - b2) * g * g;
        return p - lr / (1 - b1) * avg / (Math.Sqrt(sqr / (1 - b2)) + eps);
    }

    private static float[] Values(Tensor t) => t.detach().cpu().data<float>().ToArray();

    [Fact]
    public void One_step_matches_the_adam_formula_with_decay_only_on_matrices()
    {
        using var lin = TinyLinear();
        float[] w0 = Values(lin.weight!), b0 = Values(lin.bias!);
        using var opt = new FastAdam([ParamGroup.Of(lin)], lr: 0.1, weightDecay: 0.5);
        Assert.Same(lin.weight, Assert.Single(opt.Groups[0].Decay));
        Assert.Same(lin.bias, Assert.Single(opt.Groups[0].NoDecay));

        Backward(lin);
        opt.Step();

        float[] w1 = Values(lin.weight!), b1 = Values(lin.bias!);
        for (int i = 0; i < 6; i++)
            Assert.Equal(AdamStep(w0[i], X[i % 3], 0.1, 0.5), w1[i], 1e-5);
        for (int i = 0; i < 2; i++)
            Assert.Equal(AdamStep(b0[i], 1, 0.1, 0), b1[i], 1e-5);
    }

    [Fact]
    public void Second_step_uses_per_parameter_step_count_and_current_beta1()
    {
        using var lin = TinyLinear();
        float b0 = Values(lin.bias!)[0];
        using var opt = new FastAdam([ParamGroup.Of(lin)], lr: 0.01, weightDecay: 0);
        Backward(lin);
        opt.Step();
        opt.Beta1 = 0.8;
        opt.Step(); // same gradient (1) again

        double avg = 0.8 * (0.1 * 1) + 0.2 * 1, sqr = 0.99 * 0.01 + 0.01;
        double p1 = AdamStep(b0, 1, 0.01, 0);
        double expected = p1 - 0.01 / (1 - 0.8 * 0.8) * avg / (Math.Sqrt(sqr / (1 - 0.99 * 0.99)) + 1e-5);
        Assert.Equal(expected, Values(lin.bias!)[0], 1e-5);
    }

    [Fact]
    public void Frozen_and_gradless_parameters_are_unchanged()
    {
        using var lin = TinyLinear();
        using var other = nn.Linear(3, 2);
        float[] w0 = Values(lin.weight!), b0 = Values(lin.bias!), o0 = Values(other.weight!);
        using var opt = new FastAdam([ParamGroup.Of(lin), ParamGroup.Of(other)], lr: 0.1);

        Backward(lin);
        // Frozen after backward, so it still holds a gradient: requires_grad alone must stop the update.
        lin.weight!.requires_grad = false;
        Assert.NotNull(lin.weight.grad);
        opt.Step();

        Assert.Equal(w0, Values(lin.weight!));
        Assert.Equal(o0, Values(other.weight!));
        Assert.NotEqual(b0, Values(lin.bias!));
    }

    [Fact]
    public void Each_group_gets_its_own_learning_rate()
    {
        using var body = TinyLinear();
        using var head = TinyLinear();
        float[] body0 = Values(body.weight!), head0 = Values(head.weight!);
        using var opt = new FastAdam([ParamGroup.Of(body), ParamGroup.Of(head)]);
        opt.SetLr(0, 0);
        opt.SetLr(1, 0.1);
        Assert.Equal([0, 0.1], opt.Lrs);

        Backward(body);
        Backward(head);
        opt.Step();

        Assert.Equal(body0, Values(body.weight!));
        float[] head1 = Values(head.weight!);
        for (int i = 0; i < 6; i++)
            Assert.Equal(AdamStep(head0[i], X[i % 3], 0.1, 0.01), head1[i], 1e-5);
    }

    [Fact]
    public void Zero_grad_zeroes_gradients_in_place()
    {
        using var lin = TinyLinear();
        using var opt = new FastAdam([ParamGroup.Of(lin)]);
        Backward(lin);
        opt.ZeroGrad();
        Assert.All(Values(lin.weight!.grad!), v => Assert.Equal(0f, v));
        Assert.All(Values(lin.bias!.grad!), v => Assert.Equal(0f, v));
    }
}
