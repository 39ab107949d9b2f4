using System.CommandLine;
using System.Globalization;
using Kodiak.Bundle;
using Kodiak.Server;
using Kodiak.Training.Models;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Spectre.Console;
using static TorchSharp.torch;

namespace Kodiak.Cli.Commands;

/// <summary>
/// <c>kodiak demo</c>: the whole job on the bundled sample images: verify them, check the pretrained ResNet18, train,
/// write the report and the bundle, then serve the web app.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Where the build puts the bundled sample (see Kodiak.Cli.csproj).</summary>
    public static string SamplePath => Path.Combine(AppContext.BaseDirectory, "samples", "clipart");

    const int ImagesPerClass = 2;

    public static Command Create(Terminal terminal)
    {
        var output = new Option<string>("--out") { Description = "Folder for the model and its report.", DefaultValueFactory = _ => "kodiak-demo" };
        var size = new Option<int>("--size") { Description = "Image size the model sees, in pixels.", DefaultValueFactory = _ => 128 }
            .Must(n => n >= 32, "must be at least 32");
        var epochs = new Option<int>("--epochs") { Description = "Epochs with everything trainable (after one with only the head).", DefaultValueFactory = _ => 3 }
            .Must(n => n >= 1, "must be at least 1");
        var noServe = new Option<bool>("--no-serve") { Description = "Stop after writing the model; do not start the web app." };
        var urls = ServeCommand.Urls();
        var command = new Command("demo", "Run the whole job on the bundled sample images (samples/clipart): verify, train, export, serve.")
        {
            output, size, epochs, noServe, urls,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var data = new DataSettings(SamplePath, parse.GetValue(size), "random-crop", MinScale: 0.5, Augment: true, BatchSize: 16,
                ValidPct: 0.2, Seed: 42, Threads: null);
            var settings = new TrainCommand.TrainSettings(data, parse.GetValue(output)!, parse.GetValue(epochs), FreezeEpochs: 1, Lr: 2e-3,
                LabelSmoothing: 0, Balance: false, KeepBest: false, Tta: false, Checkpoint: false, Resume: false,
                Precision: Precision.Auto);
            int code = Prepare(terminal, settings);
            if (code != 0 || parse.GetValue(noServe))
                return code;
            terminal.Out.Write(new Rule("[bold]5. Serve the web app[/]").LeftJustified());
            return await ServeCommand.Serve(terminal, new ServeOptions { Model = ModelPath(settings) }, parse.GetValue(urls)!, cancellation);
        });
        return command;
    }

    static string ModelPath(TrainCommand.TrainSettings settings) => Path.Combine(settings.Out, "model.kodiak");

    /// <summary>Steps 1–4: everything before serving; 0 when the model is written.</summary>
    static int Prepare(Terminal terminal, TrainCommand.TrainSettings settings)
    {
        var console = terminal.Out;
        if (!Directory.Exists(SamplePath))
        {
            terminal.Fail($"the bundled sample is missing: {SamplePath}");
            return 2;
        }

        console.Write(new Rule("[bold]1. Verify the sample images[/]").LeftJustified());
        var files = ImageFiles.Get(SamplePath);
        var problems = ImageVerifier.Verify(files);
        var byClass = files.GroupBy(f => Path.GetFileName(Path.GetDirectoryName(f)!)).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var table = new Table().AddColumns("class", "images");
        foreach (var group in byClass)
            table.AddRow(group.Key, group.Count().ToString());
        console.Write(table);
        foreach (var problem in problems)
            console.MarkupLineInterpolated($"{problem.Path}  [yellow]{problem.Reason}[/]");
        console.MarkupLineInterpolated($"{files.Count} images in {byClass.Count} classes: {(problems.Count == 0 ? "all open" : $"{problems.Count} cannot be opened")}.");

        console.Write(new Rule("[bold]2. Check the pretrained ResNet18[/]").LeftJustified());
        var sample = byClass.SelectMany(g => g.Take(ImagesPerClass)).ToList();
        var check = CompareWithOnnxRuntime(sample);
        double maxDifference = check.MaxDifference, largest = check.Largest;
        console.MarkupLineInterpolated(
            $"TorchSharp body (rebuilt from the ONNX weights) vs the original model in ONNX Runtime, on {sample.Count} sample images at 224×224:");
        console.MarkupLineInterpolated(
            $"  512 features each, largest {largest:0.00}; max difference {maxDifference:0.0e+0} ({maxDifference / largest:0.0e+0} of the largest).");
        console.MarkupLineInterpolated($"  {check.TorchMilliseconds / sample.Count:0} ms per image in TorchSharp, {check.OnnxMilliseconds / sample.Count:0} ms in ONNX Runtime.");
        bool agrees = check.Matches;
        console.MarkupLine(agrees ? "[green]The pretrained body matches.[/]" : "[red]The pretrained body does not match the ONNX model.[/]");
        if (problems.Count != 0 || !agrees)
            return 1;

        console.Write(new Rule("[bold]3. Train[/]").LeftJustified());
        console.MarkupLineInterpolated($"Fine-tuning the pretrained ResNet18 on the bundled sample, {SamplePath}:");
        console.MarkupLineInterpolated($"  {files.Count} clip-art images of {string.Join(", ", byClass.Select(g => g.Key))} at {settings.Data.Size}×{settings.Data.Size} px, batch {settings.Data.BatchSize};");
        console.MarkupLineInterpolated($"  {settings.FreezeEpochs} epoch with the body frozen, then {settings.Epochs} with everything trainable. A few minutes on 2 cores.");
        int trained = terminal.RunStoppable("after this batch", stop => TrainCommand.Train(terminal, settings, stop));
        if (trained != 0)
            return trained;

        console.Write(new Rule("[bold]4. The model and its report[/]").LeftJustified());
        string model = ModelPath(settings), report = Path.Combine(settings.Out, "report");
        console.MarkupLineInterpolated($"Model: {Path.GetFullPath(model)}");
        if (ValidationInWords(ModelBundle.Open(model).Manifest.Training) is { } validation)
            console.MarkupLineInterpolated($"Validation: {validation}.");
        console.MarkupLine("Where to look next:");
        console.MarkupLineInterpolated($"  the report's pictures: {Path.GetFullPath(report)}: confusion_matrix.png (what it mixes up), top_losses.png (what it is most wrong about)");
        console.MarkupLineInterpolated($"  predict an image:      kodiak predict {model} IMAGE");
        console.MarkupLineInterpolated($"  clean the data:        kodiak clean {model} {SamplePath} (its suspect images, in the browser)");
        return 0;
    }

    /// <summary>"wrong on 21 of 186 validation images (11%)", or null when the bundle has no validation error.</summary>
    static string? ValidationInWords(TrainingSummary training)
    {
        int valid = training.Items.TryGetValue("valid", out var perClass) ? perClass.Values.Sum() : 0;
        if (valid == 0 || !training.Metrics.TryGetValue("error_rate", out double errorRate))
            return null;
        return string.Create(CultureInfo.InvariantCulture, $"wrong on {Math.Round(errorRate * valid)} of {valid} validation images ({errorRate:0%})");
    }

    /// <summary>The pretrained body against the original model on <paramref name="files"/>, at the body's native size.</summary>
    static PretrainedBodyCheck CompareWithOnnxRuntime(IReadOnlyList<string> files)
    {
        const int size = ResNet18Body.NativeInputSize;
        int n = files.Count, plane = 3 * size * size;
        var rgb = new float[n * plane];
        for (int i = 0; i < n; i++)
            ImageDecoder.DecodeResized(files[i], size, size).ToChwFloats(rgb.AsSpan(i * plane, plane));
        using var scope = NewDisposeScope();
        using var body = ResNet18Body.LoadPretrained();
        return PretrainedBodyCheck.Run(body, tensor(rgb, [n, 3, size, size]));
    }
}
