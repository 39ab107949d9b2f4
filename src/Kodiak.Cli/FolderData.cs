using System.CommandLine;
using Kodiak.Training.Augmentation;
using Kodiak.Training.Data;
using Kodiak.Vision.Transforms;
using Spectre.Console;

namespace Kodiak.Cli;

/// <summary>The <c>--resize</c> and <c>--aug</c> choices as the transforms of <see cref="ImageDataLoaders.FromFolder"/>.</summary>
internal static class FolderData
{
    /// <summary>Values of <c>--resize</c>.</summary>
    public static readonly string[] ResizeMethods = ["random-crop", "crop", "pad", "squish"];

    /// <summary>The item transform for a <c>--resize</c> value.</summary>
    public static IItemTransform Sizing(string method, int size, double minScale) => method switch
    {
        "crop" => new Resize(size),
        "pad" => new Resize(size, ResizeMethod.Pad),
        "squish" => new Resize(size, ResizeMethod.Squish),
        "random-crop" => new RandomResizedCrop(size, minScale),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, $"--resize takes {string.Join(", ", ResizeMethods)}."),
    };

    /// <summary>The batch transforms: fastai's augmentation, or none.</summary>
    public static IReadOnlyList<IBatchTransform> Augmentation(bool augment) => augment ? [Augment.Default()] : [];
}

/// <summary>How training data is read from the command line, shared by <c>train</c> and <c>lr-find</c>; defaults follow the book.</summary>
internal sealed record DataSettings(string Data, int Size, string Resize, double MinScale, bool Augment, int? BatchSize, double ValidPct, ulong Seed, int? Threads)
{
    /// <summary>The batch size when none is given and the training set is large enough: the book's.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>An epoch should have at least this many optimiser steps, or a small data set barely trains (see quality/README.md).</summary>
    public const int MinBatchesPerEpoch = 8;

    /// <summary>The smallest batch size the automatic choice goes down to: BatchNorm needs a few images per batch.</summary>
    public const int MinAutoBatchSize = 8;

    /// <summary>
    /// The automatic batch size for <paramref name="trainImages"/> training images: <see cref="DefaultBatchSize"/>,
    /// lowered so that an epoch has at least <see cref="MinBatchesPerEpoch"/> full batches, but not below <see cref="MinAutoBatchSize"/>.
    /// </summary>
    public static int AutoBatchSize(int trainImages) => Math.Clamp(trainImages / MinBatchesPerEpoch, MinAutoBatchSize, DefaultBatchSize);

    /// <summary>The item transform.</summary>
    public IItemTransform Sizing => FolderData.Sizing(Resize, Size, MinScale);

    /// <summary>
    /// Applies <c>--threads</c>, builds the loaders, prints warnings and a one-line summary.
    /// </summary>
    public DataLoaders Load(Terminal terminal)
    {
        if (Threads is int n) TorchSharp.torch.set_num_threads(n);
        var sizing = Sizing;
        DataLoaders FromFolder(int batchSize) => ImageDataLoaders.FromFolder(Data, validPct: ValidPct, seed: Seed, itemTransforms: [sizing],
            batchTransforms: FolderData.Augmentation(Augment), batchSize: batchSize);
        var dls = FromFolder(BatchSize ?? DefaultBatchSize);
        string batchNote = "";
        if (BatchSize is null && AutoBatchSize(dls.Train.Items.Count) is var auto && auto != dls.Train.BatchSize)
        {
            // The split does not depend on the batch size, so the loaders are only rebuilt with the smaller one.
            dls = FromFolder(auto);
            batchNote = $" Batch size {auto}, so that an epoch has {dls.Train.Count} step{(dls.Train.Count == 1 ? "" : "s")} (--bs to choose).";
        }
        foreach (var warning in dls.Warnings)
            terminal.Error.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
        terminal.Out.MarkupLineInterpolated(
            $"{dls.Train.Items.Count} training and {dls.Valid.Items.Count} validation images, classes {string.Join(", ", dls.Vocab)}; {sizing}{(Augment ? " + augmentation" : "")}.{batchNote}");
        return dls;
    }

    /// <summary>The DATA argument and data options, added to a command; <see cref="Read"/> gets their values.</summary>
    public sealed class Options
    {
        readonly Argument<string> _data = new("DATA") { Description = "Data folder with one subfolder of images per class." };
        readonly Option<int> _size = new Option<int>("--size") { Description = "Image size the model sees, in pixels.", DefaultValueFactory = _ => 224 }
            .Must(n => n >= 16, "must be at least 16 (pixels)");
        readonly Option<string> _resize = new("--resize") { Description = "How training images reach that size.", DefaultValueFactory = _ => "random-crop" };
        readonly Option<double> _minScale = new Option<double>("--min-scale") { Description = "Smallest area fraction kept by random-crop.", DefaultValueFactory = _ => 0.5 }
            .Must(v => v is > 0 and <= 1, "must be above 0 and at most 1");
        readonly Option<bool> _aug = new("--aug") { Description = "Batch augmentation: flip, rotate, zoom, warp, lighting (the default)." };
        readonly Option<bool> _noAug = new("--no-aug") { Description = "Turn off batch augmentation." };
        readonly Option<int?> _batchSize = new Option<int?>("--bs") { Description = $"Batch size (default {DefaultBatchSize}, lowered for small data so an epoch has {MinBatchesPerEpoch} steps)." }
            .Must(n => n is null or >= 1, "must be at least 1");
        readonly Option<double> _validPct = new Option<double>("--valid-pct") { Description = "Fraction of images held out for validation.", DefaultValueFactory = _ => 0.2 }
            .Must(v => v is >= 0 and < 1, "must be at least 0 and below 1");
        readonly Option<ulong> _seed = new("--seed") { Description = "Seed of the split, shuffling, augmentation and initialisation.", DefaultValueFactory = _ => 42 };
        readonly Option<int?> _threads = new Option<int?>("--threads") { Description = "Threads for libtorch (default: all cores)." }
            .Must(n => n is null or >= 1, "must be at least 1");

        /// <summary>Adds the argument and options to <paramref name="command"/>.</summary>
        public Options(Command command)
        {
            _resize.AcceptOnlyFromAmong(FolderData.ResizeMethods);
            command.Arguments.Add(_data);
            foreach (var option in new Option[] { _size, _resize, _minScale, _aug, _noAug, _batchSize, _validPct, _seed, _threads })
                command.Options.Add(option);
            command.Validators.Add(result =>
            {
                if (result.GetValue(_aug) && result.GetValue(_noAug)) result.AddError("Use --aug or --no-aug, not both.");
            });
        }

        /// <summary>The values given.</summary>
        public DataSettings Read(ParseResult parse) => new(parse.GetValue(_data)!, parse.GetValue(_size), parse.GetValue(_resize)!, parse.GetValue(_minScale),
            !parse.GetValue(_noAug), parse.GetValue(_batchSize), parse.GetValue(_validPct), parse.GetValue(_seed), parse.GetValue(_threads));
    }
}
