using Kodiak.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kodiak.Server;

/// <summary><c>/api/review</c>: the pending items of the review queue, their images and the reviews people give; and the page's files.</summary>
internal static class ReviewApi
{
    /// <summary>Most items one page of <c>GET /api/review</c> gives.</summary>
    const int MaxTake = 100;

    /// <summary>Who a review is from when the request does not say.</summary>
    const string Anonymous = "admin";

    public static RouteGroupBuilder MapReviewApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").RequireAdminToken();
        group.MapGet("/api/review", GetPending)
            .WithName("GetReviewQueue")
            .WithSummary("The pending items of the review queue, oldest first: the model's answer, why each was queued, and its image's address.")
            .WithDescription($"skip and take page through them (take: 1–{MaxTake}, 20 by default).");
        group.MapGet("/api/review/{id:long}/image", GetImage).WithName("GetReviewImage").WithSummary("A queued item's image.");
        group.MapPost("/api/review/{id:long}", PostReview)
            .WithName("PostReview")
            .WithSummary("Reviews a pending item: confirmed, corrected (label: another of the model's classes) or none-of-these.")
            .WithDescription("404 when there is no such item (never queued, or deleted by the log's retention); 409 when it was reviewed already.");
        group.MapAdminPage("review");
        return group;
    }

    static async Task<Results<Ok<ReviewPage>, ProblemHttpResult>> GetPending(IReviewQueue queue, CancellationToken cancellation, int skip = 0, int take = 20)
    {
        if (skip < 0 || take is < 1 or > MaxTake)
            return TypedResults.Problem($"skip must be 0 or more and take from 1 to {MaxTake}.", statusCode: StatusCodes.Status400BadRequest, title: "Bad page.");
        var items = await queue.PendingAsync(skip, take, cancellation);
        return TypedResults.Ok(new ReviewPage(await queue.CountPendingAsync(cancellation), skip, [.. items.Select(Pending)]));
    }

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetImage(long id, IReviewQueue queue, CancellationToken cancellation)
    {
        if (await queue.GetAsync(id, cancellation) is not { } item)
            return NotFound(id);
        return TypedResults.File(item.Image.ToArray(), UploadFormat.Of(item.Image.Span).ContentType);
    }

    static async Task<Results<Ok<ReviewedItem>, ProblemHttpResult>> PostReview(long id, ReviewRequest review, IReviewQueue queue, TimeProvider time,
        CancellationToken cancellation)
    {
        if (await queue.GetAsync(id, cancellation) is not { } item)
            return NotFound(id);
        var classes = item.Probabilities.Keys;
        (ReviewStatus status, string? label) = review.Status switch
        {
            "confirmed" => (ReviewStatus.Confirmed, item.Label),
            // Correcting to the model's own label is a confirmation, and counts as one in the accuracy.
            "corrected" when review.Label == item.Label => (ReviewStatus.Confirmed, item.Label),
            "corrected" when review.Label is not null && classes.Contains(review.Label) => (ReviewStatus.Corrected, review.Label),
            "corrected" => (ReviewStatus.Pending, null),
            "none-of-these" => (ReviewStatus.NoneOfThese, null),
            _ => (ReviewStatus.Pending, ""),
        };
        if (status == ReviewStatus.Pending)
        {
            string detail = label is null
                ? $"A correction needs label, one of the model's classes: {string.Join(", ", classes)}."
                : "status must be confirmed, corrected or none-of-these.";
            return TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad review.");
        }

        string reviewer = string.IsNullOrWhiteSpace(review.Reviewer) ? Anonymous : review.Reviewer.Trim();
        var now = time.GetUtcNow();
        return await queue.ReviewAsync(id, status, label, reviewer, now, cancellation) switch
        {
            ReviewOutcome.Reviewed => TypedResults.Ok(new ReviewedItem(id, Name(status), label, reviewer, now)),
            ReviewOutcome.AlreadyReviewed => TypedResults.Problem($"Item {id} was reviewed already; the first review stands.",
                statusCode: StatusCodes.Status409Conflict, title: "Reviewed already."),
            _ => NotFound(id),
        };
    }

    static ProblemHttpResult NotFound(long id) => TypedResults.Problem(
        $"There is no review item {id}: it was never queued, or the prediction log's retention (--log-days) deleted it.",
        statusCode: StatusCodes.Status404NotFound, title: "No such item.");

    static PendingItem Pending(ReviewItem item) => new(item.Id, item.Time, item.RequestId, item.ModelId, item.Label, item.Probabilities,
        item.OutOfDomainScore, item.OutOfDomain, Reasons(item.Reasons), $"/api/review/{item.Id}/image");

    static string[] Reasons(ReviewReasons reasons) =>
    [
        .. reasons.HasFlag(ReviewReasons.OutOfDomain) ? ["out-of-domain"] : Array.Empty<string>(),
        .. reasons.HasFlag(ReviewReasons.LowConfidence) ? ["low-confidence"] : Array.Empty<string>(),
        .. reasons.HasFlag(ReviewReasons.Sample) ? ["sample"] : Array.Empty<string>(),
    ];

    static string Name(ReviewStatus status) => status switch
    {
        ReviewStatus.Confirmed => "confirmed",
        ReviewStatus.Corrected => "corrected",
        ReviewStatus.NoneOfThese => "none-of-these",
        _ => "pending",
    };

    /// <summary>One page of pending items.</summary>
    /// <param name="Pending">How many items are pending in all.</param>
    /// <param name="Skip">Items skipped before this page.</param>
    /// <param name="Items">This page's items.</param>
    internal sealed record ReviewPage(long Pending, int Skip, IReadOnlyList<PendingItem> Items);

    /// <summary>A pending item as the page shows it.</summary>
    internal sealed record PendingItem(long Id, DateTimeOffset Time, string RequestId, string Model, string Label,
        IReadOnlyDictionary<string, float> Probabilities, double? OutOfDomainScore, bool? OutOfDomain, IReadOnlyList<string> Reasons, string Image);

    /// <summary>A review as posted.</summary>
    /// <param name="Status">confirmed, corrected or none-of-these.</param>
    /// <param name="Label">For corrected: the right class.</param>
    /// <param name="Reviewer">Who reviews; "admin" when not given.</param>
    internal sealed record ReviewRequest(string? Status, string? Label, string? Reviewer);

    /// <summary>The review as stored.</summary>
    internal sealed record ReviewedItem(long Id, string Status, string? Label, string Reviewer, DateTimeOffset ReviewedAt);
}
