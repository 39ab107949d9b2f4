using Microsoft.AspNetCore.Http.HttpResults;

namespace Kodiak.Server;

/// <summary>
/// <c>POST /api/admin/promote</c> and <c>/api/admin/rollback</c>: swap the serving model without a restart; <c>GET /api/rollout</c>:
/// how the candidate compares. All behind the admin token off loopback.
/// </summary>
internal static class RolloutApi
{
    public static RouteGroupBuilder MapRolloutApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Rollout").RequireAdminToken();
        api.MapGet("/rollout", Compare)
            .WithName("GetRollout")
            .WithSummary("The primary against its candidate over the last predictions: agreement and label-by-label confusion on the requests both predicted, each one's out-of-domain rate, confidence and latency, with counts.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        var admin = api.MapGroup("/admin");
        admin.MapPost("/promote", (HttpContext context, IModelRouter router) => Change(context, router, r => r.Promote()))
            .WithName("Promote")
            .WithSummary("Makes the candidate (shadow or canary) the primary; the previous primary stays loaded for a roll-back. Send a JSON body ({}).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        admin.MapPost("/rollback", (HttpContext context, IModelRouter router) => Change(context, router, r => r.Rollback()))
            .WithName("Rollback")
            .WithSummary("Goes back to the primary (and candidate) before the last promote. Send a JSON body ({}).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return api;
    }

    static Results<Ok<RolloutReport>, ProblemHttpResult> Compare(IModelRouter router, IEnumerable<IPredictionSink> sinks) =>
        router is RolloutRouter rollout && sinks.OfType<RolloutComparison>().FirstOrDefault() is { } comparison
            ? TypedResults.Ok(comparison.Report(rollout.State))
            : OneModel();

    static ProblemHttpResult OneModel() => TypedResults.Problem(
        "This server serves one model: start it with --shadow CANDIDATE.kodiak or --canary CANDIDATE.kodiak to promote, roll back and compare.",
        statusCode: StatusCodes.Status409Conflict, title: "No candidate.");

    static Results<Ok<RolloutStatus>, ProblemHttpResult> Change(HttpContext context, IModelRouter router, Func<RolloutRouter, RolloutState> change)
    {
        // A JSON content type cannot come from another site's form without a CORS preflight, so no page can swap the model behind the user's back.
        if (!context.Request.HasJsonContentType())
            return TypedResults.Problem("Send the request with Content-Type: application/json (a body of {} will do).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected.");
        if (router is not RolloutRouter rollout)
            return OneModel();
        try
        {
            return TypedResults.Ok(RolloutStatus.Of(change(rollout)));
        }
        catch (RolloutConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Serving unchanged.");
        }
    }
}

/// <summary>Who serves after a promote or roll-back.</summary>
/// <param name="Primary">The model that answers.</param>
/// <param name="Candidate">The shadow or canary (role says which), or null once promoted.</param>
/// <param name="Previous">The primary a roll-back returns to, or null.</param>
internal sealed record RolloutStatus(ModelName Primary, ModelName? Candidate, ModelName? Previous)
{
    public static RolloutStatus Of(RolloutState state) => new(
        new ModelName(state.Primary.Name, state.Primary.Version, KodiakMetrics.RoleTag(ModelRole.Primary)),
        state.Candidate is { } c ? new ModelName(c.Model.Name, c.Model.Version, KodiakMetrics.RoleTag(c.Role)) : null,
        state.Previous?.Primary is { } p ? new ModelName(p.Name, p.Version, "previous") : null);
}
