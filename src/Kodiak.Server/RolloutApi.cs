using Kodiak.Monitoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kodiak.Server;

/// <summary>
/// <c>POST /api/admin/promote</c> and <c>/api/admin/rollback</c>: swap the serving model without a restart; <c>GET /api/rollout</c>:
/// how the candidate compares, and the page at <c>/rollout</c>; <c>POST</c> and <c>DELETE /api/admin/candidate</c>: load or drop a candidate. All behind the admin token off loopback.
/// </summary>
internal static class RolloutApi
{
    public static RouteGroupBuilder MapRolloutApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("").RequireAdminToken().MapAdminPage("rollout");
        var api = endpoints.MapGroup("/api").WithTags("Rollout").RequireAdminToken();
        api.MapGet("/rollout", Compare)
            .WithName("GetRollout")
            .WithSummary("The primary against its candidate over the last predictions: agreement, label-by-label confusion and each one's reviewed accuracy on the requests both predicted, each one's out-of-domain rate, confidence and latency, with counts.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        var admin = api.MapGroup("/admin");
        admin.MapPost("/promote", (HttpContext context, IModelRouter router) => Change(context, router, r => Task.FromResult(r.Promote())))
            .WithName("Promote")
            .WithSummary("Makes the candidate (shadow or canary) the primary; the previous primary stays loaded for a roll-back. Send a JSON body ({}).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        admin.MapPost("/rollback", (HttpContext context, IModelRouter router) => Change(context, router, r => Task.FromResult(r.Rollback())))
            .WithName("Rollback")
            .WithSummary("Goes back to the primary (and candidate) before the last promote. Send a JSON body ({}).")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        admin.MapPost("/candidate", LoadCandidate)
            .WithName("LoadCandidate")
            .WithSummary("Loads a bundle on the server's disk as the candidate, while serving: {\"bundle\": PATH, \"role\": \"shadow\"} or {\"bundle\": PATH, \"role\": \"canary\", \"percent\": 10, \"sources\": [\"cam-3\"]}.")
            .WithDescription("400 when the bundle is missing, unreadable, has other classes or another input size, or the share is not 0–100; 409 when a candidate is loaded already. Serving is unchanged on either. Loading after a promote ends that promote's roll-back.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        admin.MapDelete("/candidate", (HttpContext context, IModelRouter router) => Change(context, router, r => Task.FromResult(r.Drop())))
            .WithName("DropCandidate")
            .WithSummary("Removes the candidate: the primary answers every request again, and the candidate is unloaded once no request holds it.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    static async Task<Results<Ok<RolloutReport>, ProblemHttpResult>> Compare(IModelRouter router, IEnumerable<IPredictionSink> sinks, IServiceProvider services,
        CancellationToken cancellation) =>
        router is RolloutRouter rollout && sinks.OfType<RolloutComparison>().FirstOrDefault() is { } comparison
            ? TypedResults.Ok(await comparison.ReportAsync(rollout.State, services.GetService<IReviewQueue>(), cancellation))
            : NotRollout();

    static ProblemHttpResult NotRollout() => TypedResults.Problem(
        "This app's model router is not Kodiak's rollout router, so it cannot load, promote, roll back or compare candidates.",
        statusCode: StatusCodes.Status409Conflict, title: "No rollout.");

    static Task<Results<Ok<RolloutStatus>, ProblemHttpResult>> LoadCandidate(HttpContext context, IModelRouter router, CandidateRequest candidate) =>
        Change(context, router, async r =>
        {
            if (string.IsNullOrWhiteSpace(candidate.Bundle))
                throw new ArgumentException("Name the bundle to load: {\"bundle\": \"/path/on/the/server/candidate.kodiak\", \"role\": \"shadow\"}.");
            var (role, split) = candidate.Role switch
            {
                "shadow" when candidate.Percent is null && candidate.Sources is null => (ModelRole.Shadow, null),
                "shadow" => throw new ArgumentException("A shadow predicts every request: percent and sources are for a canary (\"role\": \"canary\")."),
                "canary" => (ModelRole.Canary, CanarySplit.Of(candidate.Percent, candidate.Sources)),
                _ => throw new ArgumentException($"The role must be \"shadow\" or \"canary\", not {(candidate.Role is null ? "missing" : $"\"{candidate.Role}\"")}."),
            };
            return await r.LoadAsync(candidate.Bundle, role, split, context.RequestAborted);
        });

    static async Task<Results<Ok<RolloutStatus>, ProblemHttpResult>> Change(HttpContext context, IModelRouter router, Func<RolloutRouter, Task<RolloutState>> change)
    {
        // A JSON content type cannot come from another site's form without a CORS preflight, so no page can swap the model
        // behind the user's back; a DELETE needs a preflight anyway.
        if (!HttpMethods.IsDelete(context.Request.Method) && !context.Request.HasJsonContentType())
            return TypedResults.Problem("Send the request with Content-Type: application/json (a body of {} will do).",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected.");
        if (router is not RolloutRouter rollout)
            return NotRollout();
        try
        {
            return TypedResults.Ok(RolloutStatus.Of(await change(rollout)));
        }
        catch (RolloutConflictException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Serving unchanged.");
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "Candidate refused; serving unchanged.");
        }
    }
}

/// <summary>The body of <c>POST /api/admin/candidate</c>.</summary>
/// <param name="Bundle">The <c>.kodiak</c> file, as a path on the server's disk.</param>
/// <param name="Role"><c>shadow</c> or <c>canary</c>.</param>
/// <param name="Percent">A canary's share of the sources, 0–100; null: all of <paramref name="Sources"/>.</param>
/// <param name="Sources">When given, only these sources can be answered by the canary.</param>
internal sealed record CandidateRequest(string? Bundle, string? Role, double? Percent, IReadOnlyList<string>? Sources);

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
