using System.CommandLine;
using System.Globalization;
using Kodiak.Bundle;
using Kodiak.Inference;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak predict MODEL.kodiak IMAGE|FOLDER...</c>: the predicted class of each image, on ONNX Runtime.</summary>
internal static class PredictCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = new Argument<string>("MODEL") { Description = "The exported model, e.g. out/model.kodiak." };
        var images = new Argument<string[]>("IMAGES") { Description = "Image files, or folders searched recursively.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of {\"file\",\"label\",\"index\",\"probabilities\":{class: p},\"outOfDomainScore\",\"outOfDomain\"} (the last two null for a model without out-of-domain calibration)." };
        var top = new Option<int?>("--top") { Description = "Show the K most probable classes (text: 1; JSON: all, in class order)." };
        var threads = new Option<int?>("--threads") { Description = "Threads ONNX Runtime uses per image (default: all cores)." };
        var precision = Precision();
        var command = new Command("predict", "Predict the class of images with an exported model; exits 1 if any image can't be read.")
        {
            model, images, json, top, threads, precision,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(top) is < 1) result.AddError("--top must be at least 1.");
            if (result.GetValue(threads) is < 1) result.AddError("--threads must be at least 1.");
        });
        command.SetAction(parse =>
        {
            int code = 0;
            int ran = terminal.Run(() => code = Predict(terminal, parse.GetValue(model)!, parse.GetValue(images)!, parse.GetValue(json),
                parse.GetValue(top), parse.GetValue(threads), parse.GetValue(precision)));
            return ran != 0 ? ran : code;
        });
        return command;
    }

    /// <summary>The <c>--precision</c> option, shared with <c>kodiak serve</c>: null when not given (int8 if the bundle has it).</summary>
    public static Option<string?> Precision()
    {
        var option = new Option<string?>("--precision")
        {
            Description = $"The model to run: {ModelBundle.Int8Variant} or {ModelBundle.DefaultVariant} (default: {ModelBundle.Int8Variant} when the bundle has it, else {ModelBundle.DefaultVariant}).",
        };
        option.AcceptOnlyFromAmong(ModelBundle.Int8Variant, ModelBundle.DefaultVariant);
        return option;
    }

    static int Predict(Terminal terminal, string modelPath, string[] inputs, bool json, int? top, int? threads, string? precision)
    {
        Predictor loaded;
        try
        {
            loaded = Predictor.Load(modelPath, new PredictorOptions { IntraOpThreads = threads, Variant = precision });
        }
        catch (ArgumentException e)
        {
            // No such variant in the bundle: a problem with the user's file, said as such.
            terminal.Fail(e.Message);
            return 1;
        }

        using var predictor = loaded;
        if (predictor.OutOfDomainCalibration is null)
            terminal.RawError.WriteLine($"note: {modelPath} has no out-of-domain calibration (exported before Kodiak had one), so no image is flagged as unlike its classes; export it again to get one.");
        var results = new List<object>();
        int failures = 0;
        foreach (string file in Files(terminal, inputs, ref failures))
        {
            Prediction prediction;
            try
            {
                prediction = predictor.Predict(file);
            }
            catch (Exception e) when (e is ImageDecodeException or InvalidDataException or IOException or UnauthorizedAccessException)
            {
                terminal.Fail($"cannot predict {file}: {(e is ImageDecodeException d ? d.Reason : e.Message)}");
                failures++;
                continue;
            }

            var shown = Enumerable.Range(0, predictor.Classes.Count).ToList();
            if (top is not null || !json)
                shown = [.. shown.OrderByDescending(i => prediction.Probabilities[i]).Take(top ?? 1)];
            if (json)
                results.Add(new
                {
                    file, label = prediction.Label, index = prediction.Index,
                    probabilities = shown.ToDictionary(i => predictor.Classes[i], i => prediction.Probabilities[i]),
                    outOfDomainScore = prediction.OutOfDomainScore, outOfDomain = prediction.OutOfDomain,
                });
            else
                terminal.Raw.WriteLine(string.Join("  ", shown.SelectMany(i => new[] { predictor.Classes[i], prediction.Probabilities[i].ToString("0.0000", CultureInfo.InvariantCulture) })
                    .Prepend(file)
                    .Concat(prediction.OutOfDomain == true
                        ? [$"OUT OF DOMAIN: looks like none of the classes (score {prediction.OutOfDomainScore!.Value.ToString("0.###", CultureInfo.InvariantCulture)})"]
                        : [])));
        }

        if (json)
            terminal.WriteJson(results);
        return failures == 0 ? 0 : 1;
    }

    /// <summary>The files named, and the images in the folders named; a path that is neither is reported and counted.</summary>
    static List<string> Files(Terminal terminal, string[] inputs, ref int failures)
    {
        var files = new List<string>();
        foreach (string input in inputs)
            if (Directory.Exists(input))
                files.AddRange(ImageFiles.Get(input));
            else if (File.Exists(input))
                files.Add(input);
            else
            {
                terminal.Fail($"cannot predict {input}: no such file or folder");
                failures++;
            }

        return files;
    }
}
