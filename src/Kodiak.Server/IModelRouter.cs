namespace Kodiak.Server;

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
