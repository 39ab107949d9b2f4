using System.Diagnostics;
using System.Globalization;
using Kodiak.Bundle;
using Kodiak.Vision.Codecs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Kodiak.Server;

/// <summary>The JSON API: <c>POST /api/predict</c> and <c>GET /api/model</c>.</summary>
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

    /// <summary>The header, or the multipart form field, that names where a request comes from (a camera, a client app).</summary>
    public const string SourceHeader = "X-Kodiak-Source";

    /// <summary>The multipart form field that can carry the source id instead of <see cref="SourceHeader"/>.</summary>
    public const string SourceField = "source";

    /// <summary>The header that carries the request id both ways: a caller's own id is kept, else the server makes one.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>The answer's header that names the model that gave it, as <c>NAME@VERSION</c> (what the response's <c>model</c> says).</summary>
    public const string ModelHeader = "X-Kodiak-Model";

    /// <summary>Longest source or request id kept, in characters: they go into logs and prediction records.</summary>
    public const int MaxIdLength = 200;

    public static RouteGroupBuilder MapPredictApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Prediction");
        api.MapPost("/predict", Predict)
            .WithName("Predict")
            .WithSummary("Predicts the class of one image.")
            .WithDescription($"Send the image as multipart/form-data (field '{FileField}') or as the raw body with an image/* or application/octet-stream content type. "
                             + $"An optional source id ('{SourceHeader}' header or '{SourceField}' form field) and request id ('{RequestIdHeader}') reach the prediction log.")
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
        return api;
    }

    static async Task<Results<Ok<PredictResponse>, ProblemHttpResult>> Predict(HttpContext context, PredictionPipeline pipeline)
    {
        var headers = context.Request.Headers;
        // Generated when not given: ASP.NET Core's trace ids restart with the process, and the log keeps one row per id.
        string requestId = headers[RequestIdHeader] is [{ Length: > 0 and <= MaxIdLength } given] ? given : context.TraceIdentifier = Guid.NewGuid().ToString("N");
        context.Response.Headers[RequestIdHeader] = requestId;
        var request = new PredictionRequest(requestId, headers[SourceHeader] is [{ Length: > 0 } source] ? source : null);
        if (request.SourceId?.Length > MaxIdLength)
            return Reject(pipeline, request, RejectReason.BadUpload, TooLongSource());

        using var admission = pipeline.Admit(request);
        if (admission is null)
            return Busy(context.Response);

        var (model, role) = admission.Route.Answer;
        context.Response.Headers[ModelHeader] = $"{model.Name}@{model.Version}";
        var (upload, problem) = await ReadUploadAsync(context, model.Options);
        if (problem is not null)
            return Reject(pipeline, request, problem.Value.Reason, problem.Value.Result);
        if (upload.Source is { } formSource)
        {
            if (formSource.Length > MaxIdLength)
                return Reject(pipeline, request, RejectReason.BadUpload, TooLongSource());
            request = request with { SourceId = request.SourceId ?? formSource };
        }

        try
        {
            var prediction = await pipeline.PredictAsync(admission, request, upload.Image);
            return TypedResults.Ok(new PredictResponse(prediction.Label, prediction.Index, PredictionPipeline.Probabilities(model, prediction),
                new ModelName(model.Name, model.Version, KodiakMetrics.RoleTag(role)), requestId, Stopwatch.GetElapsedTime(admission.Started).TotalMilliseconds,
                prediction.OutOfDomainScore, prediction.OutOfDomain));
        }
        catch (ImageDecodeException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "The upload is not a usable image.");
        }
        catch (OperationCanceledException)
        {
            pipeline.Rejected(request, RejectReason.Busy);
            return Busy(context.Response);
        }
    }

    static ProblemHttpResult Reject(PredictionPipeline pipeline, PredictionRequest request, string reason, ProblemHttpResult problem)
    {
        pipeline.Rejected(request, reason);
        return problem;
    }

    static ProblemHttpResult TooLongSource() => TypedResults.Problem(
        $"The source id ('{SourceHeader}' or '{SourceField}') is longer than {MaxIdLength} characters.", statusCode: StatusCodes.Status400BadRequest, title: "Source id too long.");

    /// <summary>The image bytes and the form's source id, when sent.</summary>
    readonly record struct Upload(ReadOnlyMemory<byte> Image, string? Source);

    /// <summary>Why an upload cannot be read: the answer and the metric's reason.</summary>
    readonly record struct Refusal(ProblemHttpResult Result, string Reason);

    /// <summary>
    /// The image bytes, or the problem that stops us reading them. The upload has <see cref="ServeOptions.UploadTimeout"/>
    /// to arrive: its request holds an admission slot meanwhile, so slow clients cannot hold every slot for long.
    /// </summary>
    static async Task<(Upload Upload, Refusal? Problem)> ReadUploadAsync(HttpContext context, ServeOptions options)
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
                    return (default, new(TypedResults.Problem($"The multipart form cannot be read: {e.Message}",
                        statusCode: StatusCodes.Status400BadRequest, title: "Broken form."), RejectReason.BadUpload));
                }

                if (form.Files.GetFile(FileField) is not { } file)
                    return (default, new(TypedResults.Problem($"The form has no '{FileField}' field: send the image as the '{FileField}' field.",
                        statusCode: StatusCodes.Status400BadRequest, title: "No image in the form."), RejectReason.BadUpload));
                string? source = form[SourceField] is [{ Length: > 0 } field] ? field : null;
                return (new(await ReadAllAsync(file.OpenReadStream(), file.Length, uploading.Token), source), null);
            }

            if (type is not null && (type.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
                                     || type.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
                return (new(await ReadAllAsync(request.Body, request.ContentLength ?? 0, uploading.Token), null), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, TooLarge(limit));
        }
        catch (BadHttpRequestException e)
        {
            return (default, new(TypedResults.Problem($"The upload cannot be read: {e.Message}", statusCode: e.StatusCode, title: "Broken upload."),
                RejectReason.BadUpload));
        }
        catch (OperationCanceledException) when (uploading.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            return (default, new(TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture, $"The upload did not arrive within {options.UploadTimeout.TotalSeconds:0.###} s; send it again over a faster connection."),
                statusCode: StatusCodes.Status408RequestTimeout, title: "Upload too slow."), RejectReason.SlowUpload));
        }

        return (default, new(TypedResults.Problem(
            $"Send the image as multipart/form-data (field '{FileField}') or as the request body with an image/* or application/octet-stream content type, not '{request.ContentType ?? "no content type"}'.",
            statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type."), RejectReason.UnsupportedType));
    }

    static async Task<ReadOnlyMemory<byte>> ReadAllAsync(Stream stream, long expectedLength, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream((int)expectedLength);
        await stream.CopyToAsync(buffer, cancellation);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    static Refusal TooLarge(long limit) => new(TypedResults.Problem(
        $"The upload is larger than the limit of {limit / (1024.0 * 1024.0):0.#} MB.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Image too large."),
        RejectReason.TooLarge);

    static ProblemHttpResult Busy(HttpResponse response)
    {
        response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return TypedResults.Problem($"The server is busy: every place in the queue is taken. Try again in {RetryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy.");
    }

    static Ok<ModelResponse> GetModel(IModelRouter router)
    {
        var model = router.Models[0];
        var manifest = model.Predictor.Manifest;
        var options = model.Options;
        return TypedResults.Ok(new ModelResponse(model.Name, model.Version, manifest.Architecture, model.Predictor.Classes,
            new InputSize(manifest.Input.Width, manifest.Input.Height),
            new TrainingResults(manifest.Training.Epochs, manifest.Training.Metrics, manifest.Training.Items, manifest.Training.Seconds, manifest.Training.KodiakVersion),
            new ServerLimits(options.MaxUploadBytes, options.UploadTimeout.TotalSeconds, options.MaxImagePixels, options.MaxBatchSize,
                options.MaxBatchWait.TotalMilliseconds, options.QueueCapacity),
            OutOfDomainSummary.Of(model.Predictor.OutOfDomainCalibration), model.Predictor.Variant, manifest.Quantization));
    }
}

/// <summary>The answer to <c>POST /api/predict</c>.</summary>
/// <param name="Label">The predicted class.</param>
/// <param name="Index">Its index in the model's classes.</param>
/// <param name="Probabilities">Every class's probability, in the model's class order.</param>
/// <param name="Model">Which model answered.</param>
/// <param name="RequestId">The request's id, as in the <c>X-Request-Id</c> header and the prediction log.</param>
/// <param name="ElapsedMs">Time from the request's admission to its answer, queueing included.</param>
/// <param name="OutOfDomainScore">How unlike the training images the image is (higher = stranger); null for a model without out-of-domain calibration.</param>
/// <param name="OutOfDomain">Whether the image looks like none of the classes (so the label should not be trusted); null without calibration.</param>
internal sealed record PredictResponse(string Label, int Index, IReadOnlyDictionary<string, float> Probabilities, ModelName Model, string RequestId, double ElapsedMs,
    double? OutOfDomainScore, bool? OutOfDomain);

/// <summary>A model's name and version, and for an answer its role (primary or canary).</summary>
internal sealed record ModelName(string Name, string Version, string Role);

/// <summary>The answer to <c>GET /api/model</c>.</summary>
/// <param name="Name">The model's name (its training folder).</param>
/// <param name="Version">The first 12 hex digits of its fp32 ONNX model's SHA-256.</param>
/// <param name="Architecture">The network, e.g. <c>ResNet18</c>.</param>
/// <param name="Classes">The classes, in the order of every prediction's probabilities.</param>
/// <param name="Input">The image size the model sees.</param>
/// <param name="Training">How it was trained and how well it did.</param>
/// <param name="Limits">The server's limits.</param>
/// <param name="OutOfDomain">Its out-of-domain calibration.</param>
/// <param name="Precision">The model variant served: <c>int8</c> or <c>fp32</c>.</param>
/// <param name="Quantization">How the bundle's int8 model agrees with fp32 on the validation images; null when it has none.</param>
internal sealed record ModelResponse(string Name, string Version, string Architecture, IReadOnlyList<string> Classes, InputSize Input,
    TrainingResults Training, ServerLimits Limits, OutOfDomainSummary OutOfDomain, string Precision, QuantizationReport? Quantization);

/// <summary>The model's out-of-domain calibration, or a note that it has none (bundles exported before Kodiak had one).</summary>
/// <param name="Calibrated">Whether predictions carry an out-of-domain score and flag.</param>
/// <param name="Method">The score, e.g. <c>Mahalanobis</c>; null without calibration.</param>
/// <param name="Threshold">Scores above it are flagged; null without calibration.</param>
/// <param name="TargetFalseAlarmRate">The share of in-domain (validation) images the threshold was chosen to flag; null without calibration.</param>
/// <param name="Note">In words.</param>
internal sealed record OutOfDomainSummary(bool Calibrated, string? Method, double? Threshold, double? TargetFalseAlarmRate, string Note)
{
    public static OutOfDomainSummary Of(OutOfDomainCalibration? calibration) => calibration is null
        ? new(false, null, null, null, "no out-of-domain calibration: this model was exported before Kodiak had one, so no image is flagged as unlike its classes; export it again to get one")
        : new(true, calibration.Method.ToString(), calibration.Threshold, calibration.TargetFalseAlarmRate,
            string.Create(CultureInfo.InvariantCulture,
                $"images scoring above {calibration.Threshold:0.###} are flagged as looking like none of the classes ({calibration.ValidationFalseAlarmRate:P1} of the validation images are)"));
}

/// <summary>The image size the model sees.</summary>
internal sealed record InputSize(int Width, int Height);

/// <summary>How the model was trained and how well it did on the validation set.</summary>
internal sealed record TrainingResults(int Epochs, IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Items, double Seconds, string KodiakVersion);

/// <summary>The server's limits, so clients can check before uploading.</summary>
internal sealed record ServerLimits(long MaxUploadBytes, double UploadTimeoutSeconds, long MaxImagePixels, int MaxBatchSize, double MaxBatchWaitMs, int QueueCapacity);
