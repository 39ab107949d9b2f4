using System.CommandLine;
using Kodiak.Server;
using Kodiak.Vision.Codecs;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak serve MODEL.kodiak [--urls URL]</c>: the web app and JSON API for an exported model.</summary>
internal static class ServeCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = new Argument<string>("MODEL") { Description = "The exported model, e.g. out/model.kodiak." };
        var urls = Urls();
        var defaults = new ServeOptions();
        var maxBatch = new Option<int>("--max-batch") { Description = "Most images per model run (micro-batching); 1 turns it off.", DefaultValueFactory = _ => defaults.MaxBatchSize }
            .Must(n => n >= 1, "must be at least 1");
        var maxWait = new Option<double>("--max-wait-ms") { Description = "How long a batch waits for more requests.", DefaultValueFactory = _ => defaults.MaxBatchWait.TotalMilliseconds }
            .Must(ms => ms >= 0, "must not be negative");
        var queue = new Option<int>("--queue") { Description = "Most requests admitted at once; beyond that, 503 with Retry-After.", DefaultValueFactory = _ => defaults.QueueCapacity }
            .Must(n => n >= 1, "must be at least 1");
        var maxUpload = new Option<double>("--max-upload-mb") { Description = "Largest upload, in MB (under 2048); larger ones get 413.", DefaultValueFactory = _ => defaults.MaxUploadBytes / Megabyte }
            .Must(mb => Bytes(mb) is >= 1 and <= int.MaxValue, "must be at least one byte (0.000001) and under 2048");
        var uploadTimeout = new Option<double>("--upload-timeout-s") { Description = "How long an upload may take to arrive; slower ones get 408.", DefaultValueFactory = _ => defaults.UploadTimeout.TotalSeconds }
            .Must(s => s is > 0 and <= 3600, "must be more than 0 and at most 3600");
        var log = new Option<string?>("--log") { Description = "Log every prediction to a SQLite file (FILE.db) or a PostgreSQL database (\"Host=…;Database=…;Username=…\")." };
        var logDays = new Option<int?>("--log-days") { Description = "Delete logged predictions older than N days (needs --log)." }
            .Must(n => n is null or >= 1, "must be at least 1");
        var logBeforeAnswer = new Option<bool>("--log-before-answer") { Description = "Answer only once the prediction is in the log, so a killed server has logged all it answered (needs --log)." };
        var keepImages = new Option<string?>("--keep-images") { Description = "Keep each uploaded image in this folder, named by its SHA-256; the log row names the file (needs --log)." };
        var review = new Option<bool>("--review") { Description = "Queue answers for review at /review: out of domain, below --review-below, or in the --review-sample (needs --log)." };
        var reviewBelow = new Option<double?>("--review-below") { Description = "Queue answers less confident than this for review, e.g. 0.6 (turns --review on)." }
            .Must(p => p is null or (> 0 and <= 1), "must be more than 0 and at most 1");
        var reviewSample = new Option<double>("--review-sample") { Description = "The share of answers queued for review at random (turns --review on).", DefaultValueFactory = _ => defaults.ReviewSample }
            .Must(p => p is >= 0 and <= 1, "must be from 0 to 1");
        var alertWebhook = new Option<Uri?>("--alert-webhook") { Description = "POST each new monitoring alarm as JSON to this http(s) address." };
        alertWebhook.Validators.Add(result =>
        {
            if (result.GetValue(alertWebhook) is { } hook && (!hook.IsAbsoluteUri || hook.Scheme is not ("http" or "https")))
                result.AddError($"--alert-webhook must be an http or https address, not '{hook}'.");
        });
        var shadow = new Option<string?>("--shadow") { Description = "A candidate model that predicts every request beside MODEL without answering (its predictions are only logged)." };
        var canary = new Option<string?>("--canary") { Description = "A candidate model that answers a share of the requests (--canary-percent or --canary-sources), sticky per source." };
        var canaryPercent = new Option<double?>("--canary-percent") { Description = "The share of sources (X-Kodiak-Source; else requests) the canary answers, 0–100." }
            .Must(p => p is null or >= 0 and <= 100, "must be from 0 to 100");
        var canarySources = new Option<string?>("--canary-sources") { Description = "Only these sources (comma-separated, e.g. cam-3,cam-7) go to the canary." };
        var precision = PredictCommand.Precision();
        var command = new Command("serve", "Serve the web app and JSON API (POST /api/predict) for an exported model, until Ctrl+C.")
        {
            model, precision, urls, maxBatch, maxWait, queue, maxUpload, uploadTimeout, log, logDays, logBeforeAnswer, keepImages, alertWebhook, review, reviewBelow, reviewSample, shadow, canary, canaryPercent, canarySources,
        };
        command.SetAction((parse, cancellation) => Serve(terminal, new ServeOptions
        {
            Model = parse.GetValue(model)!,
            Precision = parse.GetValue(precision),
            MaxBatchSize = parse.GetValue(maxBatch),
            MaxBatchWait = TimeSpan.FromMilliseconds(parse.GetValue(maxWait)),
            QueueCapacity = parse.GetValue(queue),
            MaxUploadBytes = Bytes(parse.GetValue(maxUpload)),
            UploadTimeout = TimeSpan.FromSeconds(parse.GetValue(uploadTimeout)),
            Log = parse.GetValue(log),
            LogDays = parse.GetValue(logDays),
            LogBeforeAnswer = parse.GetValue(logBeforeAnswer),
            KeepImages = parse.GetValue(keepImages),
            AlertWebhook = parse.GetValue(alertWebhook),
            Review = parse.GetValue(review) || parse.GetValue(reviewBelow) is not null || parse.GetResult(reviewSample) is { Implicit: false },
            ReviewBelow = parse.GetValue(reviewBelow),
            ReviewSample = parse.GetValue(reviewSample),
            Shadow = parse.GetValue(shadow),
            Canary = parse.GetValue(canary),
            CanaryPercent = parse.GetValue(canaryPercent),
            CanarySources = parse.GetValue(canarySources)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        }, parse.GetValue(urls)!, cancellation));
        return command;
    }

    const double Megabyte = 1024 * 1024;

    /// <summary>Megabytes to whole bytes; values out of range (NaN and infinities too) become ones the check refuses.</summary>
    static long Bytes(double megabytes) => double.IsNaN(megabytes) ? 0 : (long)Math.Clamp(megabytes * Megabyte, 0, int.MaxValue + 1.0);

    /// <summary>The <c>--urls</c> option, shared with <c>kodiak demo</c>.</summary>
    public static Option<string> Urls() =>
        new("--urls") { Description = "Where to listen (port 0 picks a free one).", DefaultValueFactory = _ => KodiakServer.DefaultUrl };

    /// <summary>Serves until Ctrl+C (or <paramref name="cancellation"/>); 1 when the model or the address is unusable.</summary>
    public static Task<int> Serve(Terminal terminal, ServeOptions options, string urls, CancellationToken cancellation) =>
        Host(terminal, () => KodiakServer.Build(["--urls", urls], options),
            app => [KodiakServer.Describe(app), $"Open {app.Urls.First()} in a browser and upload an image. Ctrl+C stops.",
                $"Monitor: {KodiakMonitor.PageUrl(app)}  Metrics: {new Uri(new Uri(app.Urls.First()), "/metrics")}",
                $"Rollout: {KodiakServer.RolloutPageUrl(app)}",
                .. options.Review ? [$"Review: {ReviewServing.PageUrl(app)}"] : Array.Empty<string>()], cancellation);

    /// <summary>
    /// Builds and starts a web app, prints what <paramref name="describe"/> says of it (one line each), and serves until Ctrl+C (or
    /// <paramref name="cancellation"/>); 1, with the reason, when what it serves or the address is unusable.
    /// </summary>
    public static async Task<int> Host(Terminal terminal, Func<WebApplication> build, Func<WebApplication, IEnumerable<string>> describe,
        CancellationToken cancellation)
    {
        WebApplication app;
        try
        {
            app = build();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or ImageDecodeException)
        {
            terminal.Fail(e.Message);
            return 1;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync(cancellation);
            }
            catch (IOException e)
            {
                terminal.Fail(e.Message); // e.g. the address is already in use
                return 1;
            }

            // Unwrapped, so that an address (with its token) stays whole to copy.
            foreach (string line in describe(app))
                terminal.Raw.WriteLine(line);
            await app.WaitForShutdownAsync(cancellation);
        }

        return 0;
    }
}
