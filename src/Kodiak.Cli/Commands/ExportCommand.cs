using System.CommandLine;
using Kodiak.Bundle;
using Kodiak.Quantization;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak export --int8 MODEL.kodiak [--data DIR]</c>: adds an int8 model to a bundle trained before.</summary>
internal static class ExportCommand
{
    public static Command Create(Terminal terminal)
    {
        var model = new Argument<string>("MODEL") { Description = "The exported model, e.g. out/model.kodiak; rewritten in place, its fp32 model kept." };
        var int8 = new Option<bool>("--int8") { Description = "Add a statically quantized int8 model (faster on a CPU), calibrated on training images." };
        var data = new Option<string?>("--data") { Description = "The training data (one folder per class); default: the folder the bundle was trained on." };
        var images = new Option<int>("--calibration-images") { Description = "Training images to calibrate the int8 activations on, at most.", DefaultValueFactory = _ => Int8Quantizer.DefaultCalibrationImages }
            .Must(n => n >= 1, "must be at least 1");
        var command = new Command("export", "Add a model variant to an exported bundle: --int8 quantizes it and reports its agreement with fp32.")
        {
            model, int8, data, images,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(int8)) result.AddError("Say which variant to add: --int8.");
        });
        command.SetAction(parse => terminal.Run(() => AddInt8(terminal, parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(images))));
        return command;
    }

    /// <summary>Quantizes the bundle's model to int8 into the bundle and prints how it agrees with fp32 (also for <c>train --int8</c>).</summary>
    internal static void AddInt8(Terminal terminal, string model, string? data, int calibrationImages = Int8Quantizer.DefaultCalibrationImages)
    {
        terminal.Out.MarkupLineInterpolated($"Quantizing {model} to int8 (activations calibrated {Int8Quantizer.Calibration} on up to {calibrationImages} training images)…");
        var report = Int8Quantizer.AddInt8(model, data, calibrationImages);
        terminal.Out.MarkupLineInterpolated(
            $"int8 model added to {model}: on {report.ValidationImages} validation images its labels agree with fp32 on {report.LabelAgreement:P1}; error rate {report.Fp32ErrorRate:0.0000} (fp32) → {report.Int8ErrorRate:0.0000} (int8). Calibrated on {report.CalibrationImages} training images.");
        if (report.LabelAgreement < 0.99)
            terminal.Error.MarkupLineInterpolated(
                $"[yellow]warning:[/] int8 agrees with fp32 on only {report.LabelAgreement:P1} of the validation images; serve with --precision {ModelBundle.DefaultVariant} if that matters.");
    }
}
