using System.Diagnostics;
using System.Globalization;
using Kodiak.Vision;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Kodiak.Server;

/// <summary>The JSON API: <c>POST /api/predict</c>, <c>GET /api/model</c>, <c>GET /healthz</c>, <c>GET /readyz</c>.</summary>
internal static class PredictApi
{
    /// <summary>The multipart form field that carries the image.</summary>
    public const string FileField = "file";

    /// <summary>Seconds a client should wait before retrying when the queue is full.</summary>
    const int RetryAfterSeconds = 1;

    static readonly string[] RawImageTypes = ["image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "application/octet-stream"];

    /// <summary>
    /// The request body, described by hand: declaring it with <c>Accepts</c> would make routing answer other content
    /// types with a bare 415 before the handler can say what to send instead.
    /// </summary>
    static OpenApiRequestBody UploadBody()
    {
        var binary = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" };
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = new Dictionary<string, IOpenApiSchema> { [FileField] = binary },
                    Required = new HashSet<string> { FileField },
                },
            },
        };
        foreach (string type in RawImageTypes)
            content[type] = new OpenApiMediaType { Schema = binary };
        return new OpenApiRequestBody { Required = true, Content = content };
    }

    public static IEndpointRouteBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Prediction");
        api.MapPost("/predict", Predict)
            .WithName("Predict")
            .WithSummary("Predicts the class of one image.")
            .WithDescription($"Send the image as multipart/form-data (field '{FileField}') or as the raw body with an image/* or application/octet-stream content type.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = UploadBody();
                return Task.CompletedTask;
            })
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        api.MapGet("/model", GetModel)
            .WithName("GetModel")
            .WithSummary("The served model: name, version, classes, input size, training metrics and the server's limits.");
        app.MapGet("/healthz", () => TypedResults.Text("ok"))
            .WithTags("Health").WithSummary("200 while the process is up.");
        app.MapGet("/readyz", Ready)
            .WithTags("Health").WithSummary("200 when the model is loaded and the queue has room; 503 otherwise.");
        return app;
    }

    static async Task<Results<Ok<PredictResponse>, ProblemHttpResult>> Predict(HttpContext context, PredictionBatcher batcher, ServedModel model)
    {
        long start = Stopwatch.GetTimestamp();
        using var slot = batcher.TryAdmit();
        if (slot is null)
            return Busy(context.Response);

        var (image, problem) = await ReadUploadAsync(context, model.Options);
        if (problem is not null)
            return problem;

        try
        {
            var prediction = await slot.PredictAsync(image);
            var probabilities = model.Predictor.Classes.Select((c, i) => KeyValuePair.Create(c, prediction.Probabilities[i]));
            return TypedResults.Ok(new PredictResponse(prediction.Label, prediction.Index, new Dictionary<string, float>(probabilities),
                new ModelName(model.Name, model.Version), Stopwatch.GetElapsedTime(start).TotalMilliseconds));
        }
        catch (ImageDecodeException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "The upload is not a usable image.");
        }
        catch (OperationCanceledException)
        {
            return Busy(context.Response);
        }
    }

    /// <summary>
    /// The image bytes, or the problem that stops us reading them. The upload has <see cref="ServeOptions.UploadTimeout"/>
    /// to arrive: its request holds an admission slot meanwhile, so slow clients cannot hold every slot for long.
    /// </summary>
    static async Task<(ReadOnlyMemory<byte> Image, ProblemHttpResult? Problem)> ReadUploadAsync(HttpContext context, ServeOptions options)
    {
        var request = context.Request;
        long limit = options.MaxUploadBytes;
        if (request.ContentLength > limit)
            return (default, TooLarge(limit));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = limit;
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type);
        using var uploading = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        uploading.CancelAfter(options.UploadTimeout);
        try
        {
            if (type?.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
            {
                IFormCollection form;
                try
                {
                    form = await request.ReadFormAsync(uploading.Token);
                }
                catch (Exception e) when (e is InvalidDataException or IOException and not BadHttpRequestException)
                {
                    return (default, TypedResults.Problem($"The multipart form cannot be read: {e.Message}",
                        statusCode: StatusCodes.Status400BadRequest, title: "Broken form."));
                }

                if (form.Files.GetFile(FileField) is not { } file)
                    return (default, TypedResults.Problem($"The form has no '{FileField}' field: send the image as the '{FileField}' field.",
                        statusCode: StatusCodes.Status400BadRequest, title: "No image in the form."));
                return (await ReadAllAsync(file.OpenReadStream(), file.Length, uploading.Token), null);
            }

            if (type is not null && (type.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                                     || type.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
                return (await ReadAllAsync(request.Body, request.ContentLength ?? 0, uploading.Token), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, TooLarge(limit));
        }
        catch (BadHttpRequestException e)
        {
            return (default, TypedResults.Problem($"The upload cannot be read: {e.Message}", statusCode: e.StatusCode, title: "Broken upload."));
        }
        catch (OperationCanceledException) when (uploading.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return (default, TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture, $"The upload did not arrive within {options.UploadTimeout.TotalSeconds:0.###} s; send it again over a faster connection."),
                statusCode: StatusCodes.Status408RequestTimeout, title: "Upload too slow."));
        }

        return (default, TypedResults.Problem(
            $"Send the image as multipart/form-data (field '{FileField}') or as the request body with an image/* or application/octet-stream content type, not '{request.ContentType ?? "no content type"}'.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type."));
    }

    static async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream stream, long expectedLength, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream((int)expectedLength);
        await stream.CopyToAsync(buffer, cancellation);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(
        $"The upload is larger than the limit of {limit / (1024.0 * 1024.0):0.#} MB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Image too large.");

    static ProblemHttpResult Busy(HttpResponse response)
    {
        response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return TypedResults.Problem($"The server is busy: every place in the queue is taken. Try again in {RetryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy.");
    }

    static Ok<ModelResponse> GetModel(ServedModel model)
    {
        var manifest = model.Predictor.Manifest;
        var options = model.Options;
        return TypedResults.Ok(new ModelResponse(model.Name, model.Version, manifest.Architecture, model.Predictor.Classes,
            new InputSize(manifest.Input.Width, manifest.Input.Height),
            new TrainingResults(manifest.Training.Epochs, manifest.Training.Metrics, manifest.Training.Items, manifest.Training.Seconds, manifest.Training.KodiakVersion),
            new ServerLimits(options.MaxUploadBytes, options.UploadTimeout.TotalSeconds, options.MaxImagePixels, options.MaxBatchSize,
                options.MaxBatchWait.TotalMilliseconds, options.QueueCapacity)));
    }

    static Results<Ok<string>, ProblemHttpResult> Ready(HttpContext context, PredictionBatcher batcher)
    {
        if (batcher.ExecuteTask is { IsCompleted: false } && batcher.Admitted < batcher.Capacity)
            return TypedResults.Ok("ready");
        return Busy(context.Response);
    }
}

/// <summary>The answer to <c>POST /api/predict</c>.</summary>
/// <param name="Label">The predicted class.</param>
/// <param name="Index">Its index in the model's classes.</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
/// <param name="Model">Which model answered.</param>
/// <param name="ElapsedMs">Time from the request's admission to its answer, queueing included.</param>
internal sealed record PredictResponse(string Label, int Index, IReadOnlyDictionary<string, float> Probabilities, ModelName Model, double ElapsedMs);

/// <summary>A model's name and version.</summary>
internal sealed record ModelName(string Name, string Version);

/// <summary>The answer to <c>GET /api/model</c>.</summary>
internal sealed record ModelResponse(string Name, string Version, string Architecture, IReadOnlyList<string> Classes, InputSize Input,
    TrainingResults Training, ServerLimits Limits);

/// <summary>The image size the model sees.</summary>
internal sealed record InputSize(int Width, int Height);

/// <summary>How the model was trained and how well it did on the validation set.</summary>
internal sealed record TrainingResults(int Epochs, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Items, double Seconds, string KodiakVersion);

/// <summary>The server's limits, so clients can check before uploading.</summary>
internal sealed record ServerLimits(long MaxUploadBytes, double UploadTimeoutSeconds, long MaxImagePixels, int MaxBatchSize, double MaxBatchWaitMs, int QueueCapacity);
