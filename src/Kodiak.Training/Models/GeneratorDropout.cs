using TorchSharp;
using static TorchSharp.torch;

namespace Kodiak.Training.Models;

/// <summary>
/// Dropout whose masks come from a <see cref="torch.Generator"/> (the learner's), not libtorch's global one, so that a
/// training run does not depend on what else in the process draws random numbers. Computes what libtorch's dropout
/// does: <c>x · bernoulli(1 - p) / (1 - p)</c> in training mode, <c>x</c> otherwise.
/// </summary>
/// <param name="p">Probability of zeroing an element, in [0, 1).</param>
public sealed class GeneratorDropout(double p) : nn.Module<Tensor, Tensor>(nameof(GeneratorDropout))
{
    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; } = p is >= 0 and < 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout must be at least 0 and below 1.");

    /// <summary>Where the masks are drawn from; null draws from libtorch's global generator.</summary>
    public Generator? Generator { get; set; }

    /// <summary>The input with dropout applied in training mode.</summary>
    /// <param name="input">Any tensor.</param>
    public override Tensor forward(Tensor input)
    {
        if (!training || P == 0) return input.alias();
        using var scope = NewDisposeScope();
        var noise = empty_like(input).bernoulli_(1 - P, Generator).div_(1 - P);
        return input.mul(noise).MoveToOuterDisposeScope();
    }
}
