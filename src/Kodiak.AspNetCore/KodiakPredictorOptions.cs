using Kodiak.Vision.Codecs;

namespace Kodiak.AspNetCore;

/// <summary>The model <see cref="KodiakPredictor"/> serves and how it batches (set through <see cref="KodiakPredictorServices.AddKodiakPredictor(IServiceCollection, Action{KodiakPredictorOptions})"/>).</summary>
public sealed class KodiakPredictorOptions
{
    /// <summary>Path of the <c>.kodiak</c> bundle; required. A missing or unreadable bundle stops the app at start, naming the file.</summary>
    public string Model { get; set; } = "";

    /// <summary>The bundle's model variant (e.g. <c>int8</c>); null for its default one.</summary>
    public string? Variant { get; set; }

    /// <summary>Most images in one model run (16).</summary>
    public int MaxBatchSize { get; set; } = 16;

    /// <summary>How long a batch waits for requests already admitted that are still on their way (5 ms).</summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Most predictions admitted at once (64); one more is refused with <see cref="PredictorBusyException"/>.</summary>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Threads ONNX Runtime uses inside one model run; null lets it use one per core.</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>Largest image, in pixels, that is decoded (a guard against decompression bombs).</summary>
    public long MaxImagePixels { get; set; } = DecodeOptions.Default.MaxPixels;

    /// <summary>Largest upload <see cref="KodiakPredictEndpoints.MapKodiakPredict"/> reads, in bytes (20 MB).</summary>
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>The problems with these options, each naming its setting; empty when there are none.</summary>
    internal IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Model))
            yield return $"{nameof(KodiakPredictorOptions)}.{nameof(Model)} is not set: give the path of a .kodiak bundle.";
        if (MaxBatchSize < 1)
            yield return $"{nameof(MaxBatchSize)} must be at least 1 (it is {MaxBatchSize}).";
        if (MaxBatchWait < TimeSpan.Zero)
            yield return $"{nameof(MaxBatchWait)} cannot be negative (it is {MaxBatchWait}).";
        if (QueueCapacity < 1)
            yield return $"{nameof(QueueCapacity)} must be at least 1 (it is {QueueCapacity}).";
        if (IntraOpThreads is < 1)
            yield return $"{nameof(IntraOpThreads)} must be at least 1 (it is {IntraOpThreads}).";
        if (MaxImagePixels < 1)
            yield return $"{nameof(MaxImagePixels)} must be at least 1 (it is {MaxImagePixels}).";
        if (MaxUploadBytes < 1)
            yield return $"{nameof(MaxUploadBytes)} must be at least 1 (it is {MaxUploadBytes}).";
    }
}
