namespace Kodiak.Training.Optimisation;

/// <summary>One parameter's optimiser state, as saved in a checkpoint.</summary>
/// <param name="Step">Steps taken (Adam's bias correction counts them).</param>
/// <param name="Buffers">The state's buffers (Adam: the gradient and squared-gradient averages), flattened, each as long as the parameter.</param>
public sealed record ParameterState(int Step, IReadOnlyList<float[]> Buffers);
