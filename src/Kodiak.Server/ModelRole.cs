namespace Kodiak.Server;

/// <summary>What a model does for a request.</summary>
public enum ModelRole
{
    /// <summary>The model in service: it answers.</summary>
    Primary,

    /// <summary>A candidate that answers a share of the requests in place of the primary.</summary>
    Canary,

    /// <summary>
    /// A model predicting off the answer path, its prediction only recorded: a shadow candidate on every request, or the
    /// primary on a canary's requests (so the two can be compared).
    /// </summary>
    Shadow,
}
