using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Kodiak.Training.Optimisation;

/// <summary>
/// A parameter group: parameters that share a learning rate, split into those that get weight decay
/// and those that do not (fastai's <c>wd_bn_bias=False</c>: biases and BatchNorm parameters).
/// </summary>
/// <param name="Decay">Parameters that get weight decay.</param>
/// <param name="NoDecay">Parameters exempt from weight decay.</param>
public sealed record ParamGroup(IReadOnlyList<Parameter> Decay, IReadOnlyList<Parameter> NoDecay)
{
    /// <summary>
    /// Splits <paramref name="parameters"/> by shape: 1-D parameters (biases, BatchNorm weights and
    /// biases) are exempt from weight decay, all others get it.
    /// </summary>
    /// <param name="parameters">The group's parameters, frozen ones included.</param>
    public static ParamGroup Of(IEnumerable<Parameter> parameters)
    {
        var all = parameters.ToList();
        return new([.. all.Where(p => !IsBatchNormOrBias(p))], [.. all.Where(IsBatchNormOrBias)]);
    }

    /// <summary>
    /// Biases and BatchNorm weights and biases are the only 1-D parameters: exempt from weight decay, and
    /// kept trainable when their layer is frozen (fastai's <c>train_bn</c>).
    /// </summary>
    internal static bool IsBatchNormOrBias(Parameter parameter) => parameter.dim() == 1;

    /// <summary>Splits all parameters of <paramref name="module"/> as <see cref="Of(IEnumerable{Parameter})"/> does.</summary>
    /// <param name="module">The module whose parameters form the group.</param>
    public static ParamGroup Of(nn.Module module) => Of(module.parameters());
}
