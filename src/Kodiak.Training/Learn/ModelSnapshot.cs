using static TorchSharp.torch;

namespace Kodiak.Training.Learn;

/// <summary>A copy of a model's weights and buffers, to put back later (keep-best, cancellation, the LR finder).</summary>
internal sealed class ModelSnapshot : IDisposable
{
    readonly Dictionary<string, Tensor> _values;

    ModelSnapshot(Dictionary<string, Tensor> values) => _values = values;

    public static ModelSnapshot Of(nn.Module model)
    {
        using var noGrad = no_grad();
        return new(model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone().DetachFromDisposeScope()));
    }

    public void RestoreTo(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, value) in model.state_dict())
            value.copy_(_values[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _values.Values) tensor.Dispose();
    }
}
