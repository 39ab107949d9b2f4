namespace Kodiak.Monitoring;

/// <summary>What became of a review given to <see cref="IReviewQueue.ReviewAsync"/>.</summary>
public enum ReviewOutcome
{
    /// <summary>The review was stored.</summary>
    Reviewed,

    /// <summary>The item had been reviewed already; the first review stands.</summary>
    AlreadyReviewed,

    /// <summary>No such item: never queued, or deleted by retention.</summary>
    NotFound,
}
