namespace Kodiak.Server;

/// <summary>One model answers every request.</summary>
/// <param name="model">The model.</param>
internal sealed class SingleModelRouter(ServedModel model) : IModelRouter, IDisposable
{
    readonly ModelRoute _route = new(new RoutedModel(model, ModelRole.Primary), []);

    public IReadOnlyList<ServedModel> Models { get; } = [model];

    public ModelRoute Route(PredictionRequest request) => _route;

    public void Dispose() => model.Dispose();
}
