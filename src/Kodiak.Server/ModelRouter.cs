namespace Kodiak.Server;

/// <summary>What a model does for a request.</summary>
public enum ModelRole
{
    /// <summary>The model in service: it answers.</summary>
    Primary,

    /// <summary>A candidate that answers a share of the requests in place of the primary.</summary>
    Canary,

    /// <summary>A candidate that predicts every request it is given off the answer path: its prediction is only recorded.</summary>
    Shadow,
}

/// <summary>A model and the role it plays for one request.</summary>
/// <param name="Model">The model.</param>
/// <param name="Role">Its role.</param>
public sealed record RoutedModel(ServedModel Model, ModelRole Role);

/// <summary>Which models a request goes to.</summary>
/// <param name="Answer">The model whose prediction is the answer (<see cref="ModelRole.Primary"/> or <see cref="ModelRole.Canary"/>).</param>
/// <param name="OffPath">Models that also predict the image after the answer has been sent; their predictions only reach the sinks.</param>
public sealed record ModelRoute(RoutedModel Answer, IReadOnlyList<RoutedModel> OffPath);

/// <summary>What the router knows of a request when it picks its models.</summary>
/// <param name="RequestId">The request's id (its <c>X-Request-Id</c>, else ASP.NET Core's trace identifier).</param>
/// <param name="SourceId">The caller-given source (<c>X-Kodiak-Source</c> header or <c>source</c> form field), if any.</param>
public sealed record PredictionRequest(string RequestId, string? SourceId);

/// <summary>
/// Picks the model(s) for each prediction request. Register your own before <c>AddKodiakServing</c> to serve a shadow
/// or canary next to the primary; the server starts and stops the batcher of every model in <see cref="Models"/>.
/// </summary>
public interface IModelRouter
{
    /// <summary>Every model this router can route to, the primary first.</summary>
    IReadOnlyList<ServedModel> Models { get; }

    /// <summary>The models for <paramref name="request"/>; called once per request, on the request's thread.</summary>
    /// <param name="request">The request.</param>
    ModelRoute Route(PredictionRequest request);
}

/// <summary>One model answers every request.</summary>
/// <param name="model">The model.</param>
internal sealed class SingleModelRouter(ServedModel model) : IModelRouter, IDisposable
{
    readonly ModelRoute _route = new(new RoutedModel(model, ModelRole.Primary), []);

    public IReadOnlyList<ServedModel> Models { get; } = [model];

    public ModelRoute Route(PredictionRequest request) => _route;

    public void Dispose() => model.Dispose();
}
