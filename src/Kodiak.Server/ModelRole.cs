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
