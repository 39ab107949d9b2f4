namespace Kodiak.Server;

/// <summary>What the router knows of a request when it picks its models.</summary>
/// <param name="RequestId">The request's id (its <c>X-Request-Id</c>, else ASP.NET Core's trace identifier).</param>
/// <param name="SourceId">The caller-given source (<c>X-Kodiak-Source</c> header or <c>source</c> form field), if any.</param>
public sealed record PredictionRequest(string RequestId, string? SourceId);
