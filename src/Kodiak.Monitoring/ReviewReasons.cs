namespace Kodiak.Monitoring;

/// <summary>Why a prediction was queued for review; one or more.</summary>
[Flags]
public enum ReviewReasons
{
    /// <summary>Not queued.</summary>
    None = 0,

    /// <summary>The model's out-of-domain score passed its threshold.</summary>
    OutOfDomain = 1,

    /// <summary>The top probability was below the confidence bound (<c>--review-below</c>).</summary>
    LowConfidence = 2,

    /// <summary>Drawn in the random sample (<c>--review-sample</c>): the manual process in parallel, unbiased by the other rules.</summary>
    Sample = 4,
}
