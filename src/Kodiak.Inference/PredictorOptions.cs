using Kodiak.Vision.Codecs;

namespace Kodiak.Inference;

/// <summary>How a <see cref="Predictor"/> runs the model.</summary>
public sealed class PredictorOptions
{
    /// <summary>
    /// The model variant to load, one of the bundle's <see cref="Kodiak.Bundle.BundleManifest.Variants"/> (e.g.
    /// <see cref="Kodiak.Bundle.ModelBundle.Int8Variant"/>); null loads int8 when the bundle has it (faster, and checked
    /// against fp32 at export: <see cref="Kodiak.Bundle.BundleManifest.Quantization"/>), else
    /// <see cref="Kodiak.Bundle.ModelBundle.DefaultVariant"/>.
    /// </summary>
    public string? Variant { get; init; }

    /// <summary>Threads ONNX Runtime uses inside one prediction; null lets it use one per core.</summary>
    public int? IntraOpThreads
    {
        get;
        init
        {
            if (value is int n)
                ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
            field = value;
        }
    }

    /// <summary>Largest number of images <see cref="Predictor.PredictBatch"/> sends through the model at once (32).</summary>
    public int BatchSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 32;

    /// <summary>Limits applied when decoding images (a pixel limit against decompression bombs); <see cref="DecodeOptions.Default"/> when null.</summary>
    public DecodeOptions? Decode { get; init; }

    /// <summary>
    /// Whether predictions carry the bundle's out-of-domain score and flag (true); false leaves them null even when the
    /// bundle has a calibration, saving its small cost.
    /// </summary>
    public bool ScoreOutOfDomain { get; init; } = true;
}
