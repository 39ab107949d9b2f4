using System.Diagnostics;
using System.Security.Cryptography;
using Kodiak.AspNetCore;
using Kodiak.Inference;
using Kodiak.Vision.Codecs;

namespace Kodiak.Server;

/// <summary>
/// A prediction request's way through the server: the router picks the models, the answering model's batcher admits
/// the request (before its upload is read, so memory stays bounded) and predicts it; then every prediction, the
/// off-path ones too, is measured, logged and handed to the sinks.
/// </summary>
internal sealed partial class PredictionPipeline(IModelRouter router, PredictionSinkWriter sinks, KodiakMetrics metrics, TimeProvider time,
    ILogger<PredictionPipeline> logger)
{
    /// <summary>The route for the request and a slot in its answering model's batcher, or null when that batcher is full.</summary>
    public Admission? Admit(PredictionRequest request)
    {
        var route = router.Route(request);
        if (route.Answer.Model.Batcher.TryAdmit() is not { } slot)
        {
            Rejected(request, RejectReason.Busy);
            return null;
        }

        return new Admission(route, slot, time.GetUtcNow(), Stopwatch.GetTimestamp());
    }

    /// <summary>Counts and logs a request that gets no prediction.</summary>
    public void Rejected(PredictionRequest request, string reason)
    {
        metrics.Rejected(reason);
        if (reason == RejectReason.Busy)
            LogBusy(logger, request.RequestId);
        else
            LogRejected(logger, request.RequestId, reason);
    }

    /// <summary>
    /// Predicts <paramref name="image"/> with the answering model, then starts the off-path models on it without waiting.
    /// </summary>
    /// <param name="admission">From <see cref="Admit"/>; disposing it stays the caller's job.</param>
    /// <param name="request">The request, with the source id from the form when it came there.</param>
    /// <param name="image">The upload; it must not change until the off-path models are done.</param>
    /// <exception cref="ImageDecodeException">The image cannot be read.</exception>
    /// <exception cref="OperationCanceledException">The server is stopping, or (with <see cref="ServeOptions.LogBeforeAnswer"/>) the log lost the answer's row.</exception>
    public async Task<Prediction> PredictAsync(Admission admission, PredictionRequest request, ReadOnlyMemory<byte> image)
    {
        var answer = admission.Route.Answer;
        PredictionWithFeatures result;
        try
        {
            result = await admission.Slot.PredictAsync(image);
        }
        catch (ImageDecodeException)
        {
            Rejected(request, RejectReason.BadImage);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Rejected(RejectReason.Failed);
            LogFailed(logger, e, request.RequestId, answer.Model.Name);
            throw;
        }

        string? sha = sinks.Any ? Convert.ToHexStringLower(SHA256.HashData(image.Span)) : null;
        var logged = Record(admission, request, answer, result, sha, image);
        foreach (var offPath in admission.Route.OffPath)
            _ = PredictOffPathAsync(admission, request, offPath, image, sha);
        try
        {
            await logged;
        }
        catch (IOException e)
        {
            // Not answered, so that a proxy can retry it elsewhere: an answered prediction is always in the log.
            throw new OperationCanceledException(e.Message, e);
        }

        return result.Prediction;
    }

    async Task PredictOffPathAsync(Admission admission, PredictionRequest request, RoutedModel routed, ReadOnlyMemory<byte> image, string? sha)
    {
        using var slot = routed.Model.Batcher.TryAdmit();
        if (slot is null)
        {
            // Off the answer path a full batcher only costs this model's prediction.
            LogOffPathSkipped(logger, request.RequestId, routed.Model.Name, routed.Role);
            return;
        }

        try
        {
            // Only the answer waits for the log.
            _ = Record(admission, request, routed, await slot.PredictAsync(image), sha, image);
        }
        catch (Exception e)
        {
            LogOffPathFailed(logger, e, request.RequestId, routed.Model.Name, routed.Role);
        }
    }

    /// <summary>Measures and logs the prediction and hands it to the sinks; the task is <see cref="PredictionSinkWriter.Write"/>'s.</summary>
    Task Record(Admission admission, PredictionRequest request, RoutedModel routed, PredictionWithFeatures result, string? sha, ReadOnlyMemory<byte> image)
    {
        var model = routed.Model;
        var prediction = result.Prediction;
        var latency = Stopwatch.GetElapsedTime(admission.Started);
        metrics.Predicted(model.Name, routed.Role, prediction.Label, latency, prediction.OutOfDomain);
        LogPredicted(logger, request.RequestId, model.Name, routed.Role, prediction.Label, latency.TotalMilliseconds);
        if (sha is null)
            return Task.CompletedTask;
        return sinks.Write(new PredictionRecord(request.RequestId, admission.Time, model.Name, model.Sha256, routed.Role, prediction.Label,
            Probabilities(model, prediction), result.Features.Count > 0 ? result.Features : null, latency, request.SourceId, sha,
            prediction.OutOfDomainScore, prediction.OutOfDomain)
        {
            Image = sinks.WantsImages ? image : default,
        });
    }

    /// <summary>Each class with its probability, in the model's class order.</summary>
    public static Dictionary<string, float> Probabilities(ServedModel model, Prediction prediction) =>
        new(model.Predictor.Classes.Select((c, i) => KeyValuePair.Create(c, prediction.Probabilities[i])));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId}: {Model} ({Role}) predicted {Label} in {ElapsedMs:0.0} ms")]
    static partial void LogPredicted(ILogger logger, string requestId, string model, ModelRole role, string label, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} turned away: every place in the queue is taken")]
    static partial void LogBusy(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId} rejected: {Reason}")]
    static partial void LogRejected(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId}: {Model} failed to predict")]
    static partial void LogFailed(ILogger logger, Exception error, string requestId, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: {Model} ({Role}) skipped, its queue is full")]
    static partial void LogOffPathSkipped(ILogger logger, string requestId, string model, ModelRole role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: {Model} ({Role}) failed to predict")]
    static partial void LogOffPathFailed(ILogger logger, Exception error, string requestId, string model, ModelRole role);
}

/// <summary>An admitted request: its route, its slot in the answering model's batcher (disposing frees it) and when it was admitted.</summary>
internal sealed record Admission(ModelRoute Route, PredictionBatcher.Slot Slot, DateTimeOffset Time, long Started) : IDisposable
{
    public void Dispose() => Slot.Dispose();
}
