namespace Kodiak.Monitoring;

/// <summary>
/// The review queue, kept in the prediction log's database (table <c>review_items</c>), so it survives restarts and
/// several replicas share it. Open it with <see cref="PredictionLog.OpenReviewQueue"/>. Safe to use from several threads.
/// </summary>
public interface IReviewQueue : IDisposable, IAsyncDisposable
{
    /// <summary>Adds the items, with their images, in one transaction.</summary>
    /// <param name="items">The items; their <see cref="ReviewItem.Id"/> is ignored.</param>
    /// <param name="cancellation">Stops the write (and rolls it back).</param>
    Task AddAsync(IReadOnlyList<ReviewItem> items, CancellationToken cancellation = default);

    /// <summary>The pending items, oldest first, without their images.</summary>
    /// <param name="skip">Items skipped first (paging).</param>
    /// <param name="take">Most items returned.</param>
    /// <param name="cancellation">Stops the reading.</param>
    Task<IReadOnlyList<ReviewItem>> PendingAsync(int skip, int take, CancellationToken cancellation = default);

    /// <summary>How many items are pending.</summary>
    /// <param name="cancellation">Stops the count.</param>
    Task<long> CountPendingAsync(CancellationToken cancellation = default);

    /// <summary>One item with its image, or null when there is none of that id.</summary>
    /// <param name="id">The item's id.</param>
    /// <param name="cancellation">Stops the reading.</param>
    Task<ReviewItem?> GetAsync(long id, CancellationToken cancellation = default);

    /// <summary>Stores a person's review of a pending item; an item is reviewed once (the first review stands).</summary>
    /// <param name="id">The item's id.</param>
    /// <param name="status">Confirmed, corrected or none of these (not pending).</param>
    /// <param name="label">The class the person gave: the model's label when confirmed, another class when corrected, null for none of these.</param>
    /// <param name="reviewer">Who reviewed it.</param>
    /// <param name="time">When.</param>
    /// <param name="cancellation">Stops the write.</param>
    Task<ReviewOutcome> ReviewAsync(long id, ReviewStatus status, string? label, string reviewer, DateTimeOffset time, CancellationToken cancellation = default);

    /// <summary>The accuracy of the answers reviewed so far whose request came in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <param name="from">The first request time included.</param>
    /// <param name="to">The first request time left out.</param>
    /// <param name="modelId">Only this model's answers; null: every model.</param>
    /// <param name="cancellation">Stops the count.</param>
    Task<ReviewAccuracy> AccuracyAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, CancellationToken cancellation = default);

    /// <summary>The reviewed items, in review order, with their images, streamed.</summary>
    /// <param name="cancellation">Stops the reading.</param>
    IAsyncEnumerable<ReviewItem> ReviewedAsync(CancellationToken cancellation = default);

    /// <summary>The reviewed items of requests admitted from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), without images.</summary>
    /// <param name="from">The earliest admission time.</param>
    /// <param name="to">The end of the range.</param>
    /// <param name="cancellation">Stops the query.</param>
    Task<IReadOnlyList<ReviewItem>> ReviewedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation = default);
}
