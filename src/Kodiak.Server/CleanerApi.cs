using System.Text.Json;
using Kodiak.Cleaning;
using Kodiak.Vision.Files;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Kodiak.Server;

/// <summary>
/// The cleaner's JSON API: <c>GET /api/cleaner</c>, <c>GET /api/suspects/{loss,mislabeled,duplicates,outliers}</c>,
/// <c>GET /api/image?path=…</c> (only images of the data folder), <c>POST /api/apply</c> and <c>POST /api/undo</c>.
/// </summary>
internal static class CleanerApi
{
    /// <summary>How many suspects a list holds when the request does not say.</summary>
    public const int DefaultTop = 100;

    static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "image/jpeg", [".jpeg"] = "image/jpeg", [".png"] = "image/png", [".webp"] = "image/webp", [".gif"] = "image/gif", [".bmp"] = "image/bmp",
    };

    public static IEndpointRouteBuilder MapCleanerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Cleaning");
        api.MapGet("/cleaner", GetCleaner)
            .WithSummary("The data folder, the model, its classes and how many images were scored.");
        var suspects = api.MapGroup("/suspects");
        suspects.MapGet("/loss", Loss)
            .WithSummary("fastai's top losses: images of one class (or all) and split (train, valid or all), highest loss first.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        suspects.MapGet("/mislabeled", Mislabeled)
            .WithSummary("Images the model confidently gives to another class, largest margin first.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        suspects.MapGet("/duplicates", Duplicates)
            .WithSummary($"Pairs of near-identical images, most similar first (at most {CleaningSession.MaxPairs}).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        suspects.MapGet("/outliers", Outliers)
            .WithSummary("Images far from every class's centroid, farthest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/image", Image)
            .WithSummary("The bytes of one image of the data folder, named by its path relative to the folder.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        var changes = api.MapGroup("").AddEndpointFilter(SameSiteJson)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        changes.MapPost("/apply", Apply)
            .WithSummary("Deletes (moves to the trash) and relabels images as one journal batch.")
            .WithDescription("""JSON: {"changes": [{"path": "grizzly/1.jpg", "newLabel": null}, {"path": "black/2.jpg", "newLabel": "grizzly"}]}; a null newLabel deletes.""")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        changes.MapPost("/undo", Undo)
            .WithSummary("Puts back the files of the last batch not yet undone.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/healthz", () => TypedResults.Text("ok"))
            .WithTags("Health").WithSummary("200 while the process is up.");
        return app;
    }

    static Ok<CleanerInfo> GetCleaner(CleaningSession session)
    {
        var suspects = session.Current.Suspects;
        return TypedResults.Ok(new CleanerInfo(session.Name, session.Cleaner.DataFolder, session.Model, suspects.Classes, suspects.Images.Count,
            suspects.Images.All(i => i.Split != DataSplit.Unknown)));
    }

    static Results<Ok<SuspectList<ImageView>>, ProblemHttpResult> Loss(CleaningSession session,
        [FromQuery(Name = "class")] string? label, string? split, int? top)
    {
        var suspects = session.Current.Suspects;
        if (label is not null && !suspects.Classes.Contains(label))
            return BadRequest($"'{label}' is not one of the model's classes ({string.Join(", ", suspects.Classes)}).");
        if (split is not (null or "all" or "train" or "valid"))
            return BadRequest($"The split is train, valid or all, not '{split}'.");
        DataSplit? part = split switch { "train" => DataSplit.Train, "valid" => DataSplit.Valid, _ => null };
        return List(suspects.Loss(label, part), top, ImageView.Of);
    }

    static Results<Ok<SuspectList<MislabeledView>>, ProblemHttpResult> Mislabeled(CleaningSession session, int? top) =>
        List(session.Current.Suspects.Mislabeled(), top, m => new MislabeledView(ImageView.Of(m.Image), m.LikelyClass, m.Margin));

    static Results<Ok<SuspectList<DuplicateView>>, ProblemHttpResult> Duplicates(CleaningSession session, int? top)
    {
        var pairs = session.Current.Duplicates;
        return List(pairs, top, p => new DuplicateView(ImageView.Of(p.First), ImageView.Of(p.Second), p.Similarity, p.AcrossClasses, p.AcrossSplits), pairs.Total);
    }

    static Results<Ok<SuspectList<OutlierView>>, ProblemHttpResult> Outliers(CleaningSession session, int? top) =>
        List(session.Current.Suspects.Outliers(), top, o => new OutlierView(ImageView.Of(o.Image), o.NearestClass, o.Distance));

    static Results<Ok<SuspectList<TView>>, ProblemHttpResult> List<T, TView>(IReadOnlyList<T> suspects, int? top, Func<T, TView> view, long? total = null)
    {
        if (top is < 1)
            return BadRequest($"top must be at least 1, not {top}.");
        return TypedResults.Ok(new SuspectList<TView>(total ?? suspects.Count, [.. suspects.Take(top ?? DefaultTop).Select(view)]));
    }

    static Results<PhysicalFileHttpResult, ProblemHttpResult> Image(CleaningSession session, string? path)
    {
        var (image, problem) = Find(session, path);
        if (problem is not null)
            return problem;
        if (!File.Exists(image!.Path))
            return TypedResults.Problem($"'{path}' is no longer in the data folder '{session.Cleaner.DataFolder}' (moved or deleted outside the cleaner?).",
                statusCode: StatusCodes.Status404NotFound, title: "No such image.");
        return TypedResults.PhysicalFile(Path.GetFullPath(image!.Path),
            ContentTypes.GetValueOrDefault(Path.GetExtension(image.Path), "application/octet-stream"), enableRangeProcessing: false);
    }

    static async Task<Results<Ok<ChangesResponse>, ProblemHttpResult>> Apply(HttpContext context, CleaningSession session)
    {
        ApplyRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<ApplyRequest>(context.RequestAborted);
        }
        catch (JsonException e)
        {
            return BadRequest($"The changes are not the JSON expected ({{\"changes\": [{{\"path\", \"newLabel\"}}]}}): {e.Message}");
        }

        if (request?.Changes is not { Count: > 0 } changes)
            return BadRequest("""No changes: send {"changes": [{"path": "grizzly/1.jpg", "newLabel": null}]}, a null newLabel to delete.""");
        var classes = session.Current.Suspects.Classes;
        foreach (var change in changes)
        {
            if (change is null)
                return BadRequest("A change is null; each is {\"path\", \"newLabel\"}.");
            if (Find(session, change.Path).Problem is { } problem)
                return problem;
            if (change.NewLabel is { } label && !classes.Contains(label))
                return BadRequest($"Cannot relabel '{change.Path}' as '{label}': not one of the model's classes ({string.Join(", ", classes)}).");
        }

        try
        {
            return TypedResults.Ok(new ChangesResponse(session.Apply(changes)));
        }
        catch (CleaningRefusedException e)
        {
            return BadRequest(e.Message, "Change refused.");
        }
    }

    static Results<Ok<ChangesResponse>, ProblemHttpResult> Undo(CleaningSession session)
    {
        try
        {
            return TypedResults.Ok(new ChangesResponse(session.Undo()));
        }
        catch (CleaningRefusedException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Undo refused.");
        }
    }

    /// <summary>
    /// The image a request names by its path relative to the data folder, or why not: 400 for an absolute path, a
    /// '.' or '..' step, or Kodiak's own bookkeeping (the trash); 404 for a path that is not an image of the data now.
    /// </summary>
    static (ScoredImage? Image, ProblemHttpResult? Problem) Find(CleaningSession session, string? path)
    {
        string? refusal = path switch
        {
            null or "" => "No path: name the image by its path relative to the data folder, e.g. path=grizzly/00000001.jpg.",
            _ when Path.IsPathRooted(path) || path[0] is '/' or '\\' => $"'{path}' is an absolute path; name the image by its path relative to the data folder.",
            _ when path.Split('/', '\\').Any(part => part is "." or "..") => $"'{path}' has a '.' or '..' step; name the image by its plain path inside the data folder.",
            _ when ImageFiles.IsReserved(path) =>
                $"'{path}' is in Kodiak's own bookkeeping (trash, journal), not in the data.",
            _ => null,
        };
        if (refusal is not null)
            return (null, BadRequest(refusal, "Path refused."));
        return session.Current.Images.TryGetValue(path!, out var image)
            ? (image, null)
            : (null, TypedResults.Problem($"'{path}' is not an image of the data folder '{session.Cleaner.DataFolder}' (moved or deleted since?).",
                statusCode: StatusCodes.Status404NotFound, title: "No such image."));
    }

    /// <summary>
    /// Changes come only as JSON from a page of this site: a cross-site form can send neither that content type nor,
    /// from a browser, a same-site <c>Sec-Fetch-Site</c>.
    /// </summary>
    static async ValueTask<object?> SameSiteJson(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.Headers["Sec-Fetch-Site"] == "cross-site")
            return TypedResults.Problem("Changes to the data are taken only from the cleaner page itself, not from another site.",
                statusCode: StatusCodes.Status403Forbidden, title: "Cross-site request refused.");
        if (!request.HasJsonContentType())
            return TypedResults.Problem(
                $"Send the request as JSON (Content-Type: application/json), as the cleaner page does, not '{request.ContentType ?? "no content type"}'; a plain form cannot change the data.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON only.");
        return await next(context);
    }

    static ProblemHttpResult BadRequest(string detail, string title = "Bad request.") =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);
}

/// <summary>The answer to <c>GET /api/cleaner</c>.</summary>
/// <param name="Name">The data folder's name.</param>
/// <param name="Data">The data folder, as a full path.</param>
/// <param name="Model">The bundle that scored the images.</param>
/// <param name="Classes">The model's classes, in its output order.</param>
/// <param name="Images">How many images there are now.</param>
/// <param name="SplitRecorded">Whether the bundle records its validation set (otherwise every split is "unknown").</param>
internal sealed record CleanerInfo(string Name, string Data, string Model, IReadOnlyList<string> Classes, int Images, bool SplitRecorded);

/// <summary>The first suspects of one kind, and how many there are in all.</summary>
internal sealed record SuspectList<T>(long Total, IReadOnlyList<T> Items);

/// <summary>An image as the page shows it.</summary>
/// <param name="Path">Relative to the data folder, with '/' separators; <c>/api/image?path=</c> serves it.</param>
/// <param name="Label">Its folder.</param>
/// <param name="Split">train, valid or unknown.</param>
/// <param name="Predicted">The model's class for it.</param>
/// <param name="Probability">The model's probability for that class.</param>
/// <param name="Loss">−ln p(label).</param>
internal sealed record ImageView(string Path, string Label, string Split, string Predicted, double Probability, double Loss)
{
    public static ImageView Of(ScoredImage image) =>
        new(image.RelativePath, image.Label, image.Split.ToString().ToLowerInvariant(), image.Predicted, image.Probabilities.Max(), image.Loss);
}

/// <summary>A likely mislabelled image: the class the model believes and by how much more than the label.</summary>
internal sealed record MislabeledView(ImageView Image, string Likely, double Margin);

/// <summary>Two near-identical images.</summary>
internal sealed record DuplicateView(ImageView First, ImageView Second, double Similarity, bool AcrossClasses, bool AcrossSplits);

/// <summary>An image far from every class: its distance to the nearest class's centroid.</summary>
internal sealed record OutlierView(ImageView Image, string Nearest, double Distance);

/// <summary>The body of <c>POST /api/apply</c>.</summary>
internal sealed record ApplyRequest(IReadOnlyList<CleaningChange>? Changes);

/// <summary>The files moved by <c>POST /api/apply</c> or <c>/api/undo</c>, as journaled.</summary>
internal sealed record ChangesResponse(IReadOnlyList<JournalEntry> Moves);
