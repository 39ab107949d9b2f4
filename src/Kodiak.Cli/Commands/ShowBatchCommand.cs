using System.CommandLine;
using Kodiak.Training.Data;
using Spectre.Console;

namespace Kodiak.Cli.Commands;

/// <summary><c>kodiak show-batch DATA</c>: a PNG grid of training images as the model will see them.</summary>
internal static class ShowBatchCommand
{
    public static Command Create(Terminal terminal)
    {
        var data = new Argument<string>("DATA") { Description = "Data folder with one subfolder per class." };
        var size = new Option<int>("--size") { Description = "Image size the model sees, in pixels.", DefaultValueFactory = _ => 128 };
        var resize = new Option<string>("--resize") { Description = "How images reach that size.", DefaultValueFactory = _ => "crop" };
        resize.AcceptOnlyFromAmong(FolderData.ResizeMethods);
        var augment = new Option<bool>("--aug") { Description = "Apply the default batch augmentation (flip, rotate, zoom, warp, lighting)." };
        var unique = new Option<bool>("--unique") { Description = "Show one image under different augmentations." };
        var output = new Option<string>("--out") { Description = "The PNG to write.", DefaultValueFactory = _ => "batch.png" };
        var count = new Option<int>("--max-n") { Description = "How many images.", DefaultValueFactory = _ => 9 };
        var rows = new Option<int>("--rows") { Description = "Rows of the grid.", DefaultValueFactory = _ => 3 };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Leave out images that can't be opened, and list them, instead of stopping." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the split, shuffle and augmentation.", DefaultValueFactory = _ => 42 };
        var command = new Command("show-batch", "Save a grid of training images, as the model will see them, with their labels.")
        {
            data, size, resize, augment, unique, output, count, rows, skipBad, seed,
        };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(data)!;
            var sizing = FolderData.Sizing(parse.GetValue(resize)!, parse.GetValue(size), minScale: 0.5);
            return terminal.Run(() =>
            {
                var dls = ImageDataLoaders.FromFolder(folder, validPct: 0.2, seed: parse.GetValue(seed), itemTransforms: [sizing],
                    batchTransforms: FolderData.Augmentation(parse.GetValue(augment)), skipBadImages: parse.GetValue(skipBad));
                foreach (var problem in dls.Skipped)
                    terminal.Error.MarkupLineInterpolated($"[yellow]skipped:[/] {problem.Path}  {problem.Reason}");
                foreach (var warning in dls.Warnings)
                    terminal.Error.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
                string path = parse.GetValue(output)!;
                dls.Train.ShowBatch(path, parse.GetValue(count), parse.GetValue(rows), parse.GetValue(unique));
                terminal.Out.MarkupLineInterpolated($"Wrote {path}: {sizing}{(parse.GetValue(augment) ? " + augmentation" : "")}, classes {string.Join(", ", dls.Vocab)}.");
            });
        });
        return command;
    }
}
