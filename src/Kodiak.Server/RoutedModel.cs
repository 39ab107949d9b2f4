namespace Kodiak.Server;

/// <summary>A model and the role it plays for one request.</summary>
/// <param name="Model">The model.</param>
/// <param name="Role">Its role.</param>
public sealed record RoutedModel(ServedModel Model, ModelRole Role);
