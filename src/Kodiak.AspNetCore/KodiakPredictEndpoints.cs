using Kodiak.Vision.Codecs;
using Microsoft.AspNetCore.Http.Features;

namespace Kodiak.AspNetCore;

/// <summary>Maps the classify endpoint of <see cref="KodiakPredictor"/> (registered by <see cref="KodiakPredictorServices.AddKodiakPredictor(IServiceCollection, string)"/>).</summary>
public static class KodiakPredictEndpoints
{
    /// <summary>
    /// Maps <c>POST pattern</c>: the image as the request body (any content type but a form) or as the first file of a
    /// multipart form; answers <c>{"label", "probability", "probabilities": {class: p}, "outOfDomainScore", "outOfDomain"}</c>,
    /// 400 when it is not an image Kodiak can read (or there is none), 413 above <see cref="KodiakPredictorOptions.MaxUploadBytes"/>,
    /// 503 with <c>Retry-After</c> when the queue is full. Kodiak.Server's <c>MapKodiakPredict()</c> (no pattern) is
    /// the full serving API instead, for <c>AddKodiakServing</c>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="pattern">The route, e.g. <c>/classify</c>.</param>
    /// <returns>The endpoint, to add conventions (authorization, rate limits) to.</returns>
    public static RouteHandlerBuilder MapKodiakPredict(this IEndpointRouteBuilder endpoints, string pattern) =>
        endpoints.MapPost(pattern, ClassifyAsync)
            .WithName("KodiakClassify")
            .WithSummary("Classifies one image with the Kodiak model.")
            .Produces<ClassifyAnswer>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    static async Task<IResult> ClassifyAsync(HttpContext context, KodiakPredictor predictor)
    {
        var request = context.Request;
        long max = predictor.MaxUploadBytes;
        if (request.ContentLength > max)
            return TooLarge(max);
        byte[]? image;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(context.RequestAborted);
            if (form.Files.Count == 0)
                return Problem(StatusCodes.Status400BadRequest, "No image: send it as a file field of the form, or as the request body.");
            var file = form.Files[0];
            if (file.Length > max)
                return TooLarge(max);
            await using var stream = file.OpenReadStream();
            image = await ReadAsync(stream, max, context.RequestAborted);
        }
        else
        {
            // A body without Content-Length (chunked) is counted as it is read.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = null;
            image = await ReadAsync(request.Body, max, context.RequestAborted);
        }

        if (image is null)
            return TooLarge(max);
        if (image.Length == 0)
            return Problem(StatusCodes.Status400BadRequest, "No image: the request body is empty.");
        try
        {
            return Results.Ok(ClassifyAnswer.From(await predictor.PredictAsync(image), predictor.Classes));
        }
        catch (ImageDecodeException e)
        {
            return Problem(StatusCodes.Status400BadRequest, $"Not an image Kodiak can read: {e.Message}");
        }
        catch (PredictorBusyException e)
        {
            context.Response.Headers.RetryAfter = "1";
            return Problem(StatusCodes.Status503ServiceUnavailable, e.Message);
        }
    }

    /// <summary>The whole stream, or null once it passes <paramref name="max"/> bytes.</summary>
    static async Task<byte[]?> ReadAsync(Stream stream, long max, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > max)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    static IResult TooLarge(long max) =>
        Problem(StatusCodes.Status413PayloadTooLarge, $"The upload is larger than the {max:N0} bytes allowed (KodiakPredictorOptions.MaxUploadBytes).");

    static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
