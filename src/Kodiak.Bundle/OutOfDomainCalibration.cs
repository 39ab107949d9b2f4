using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kodiak.Bundle;

/// <summary>
/// The out-of-domain score of a bundle (its entry <see cref="EntryName"/>): how to score an image's strangeness from the
/// model's logits and pooled features, and the threshold above which an image does not look like any of the classes.
/// Made at export by <see cref="OutOfDomainCalibrator"/>; scored by <see cref="OutOfDomainScorer"/>.
/// </summary>
public sealed record OutOfDomainCalibration
{
    /// <summary>The name of the bundle entry holding the calibration as JSON.</summary>
    public const string EntryName = "out-of-domain.json";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        RespectNullableAnnotations = true,
    };

    /// <summary>The score.</summary>
    public required OutOfDomainMethod Method { get; init; }

    /// <summary>Images scoring above this are out of domain.</summary>
    public required double Threshold { get; init; }

    /// <summary>The share of in-domain (validation) images the threshold was chosen to flag, e.g. 0.05.</summary>
    public required double TargetFalseAlarmRate { get; init; }

    /// <summary>The share of the validation images the threshold does flag.</summary>
    public required double ValidationFalseAlarmRate { get; init; }

    /// <summary>How many validation images the threshold was chosen on.</summary>
    public required int ValidationImages { get; init; }

    /// <summary>Pooled features per image (the model's <c>features</c> output); 0 when the method uses only logits.</summary>
    public int FeatureCount { get; init; }

    /// <summary>The class means of the training features, class by class, as little-endian float32; empty when not needed.</summary>
    public byte[] ClassMeans { get; init; } = [];

    /// <summary>
    /// The inverse of the shrunk shared covariance, <see cref="FeatureCount"/>² little-endian float32 in row order; empty
    /// when not needed.
    /// </summary>
    public byte[] Precision { get; init; } = [];

    /// <summary>
    /// Whether features are scaled to unit length before the distance (the default): a ResNet's pooled activations are
    /// much weaker on photographs than on clip art, and raw distances then put photographs near the class means.
    /// </summary>
    public bool NormaliseFeatures { get; init; }

    /// <summary>The Ledoit–Wolf shrinkage weight of the identity in the covariance (0 = the sample covariance).</summary>
    public double Shrinkage { get; init; }

    /// <summary>Mean and standard deviation of each part of a combined score on the validation images, by method name.</summary>
    public IReadOnlyDictionary<string, double[]> Standardisation { get; init; } = new Dictionary<string, double[]>();

    /// <summary>The calibration as the JSON stored in the bundle.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Reads the JSON of <see cref="ToJson"/>.</summary>
    /// <param name="json">The entry's bytes.</param>
    /// <exception cref="InvalidDataException">Not a calibration this Kodiak can read, or one whose arrays do not fit.</exception>
    public static OutOfDomainCalibration FromJson(ReadOnlySpan<byte> json)
    {
        OutOfDomainCalibration calibration;
        try
        {
            calibration = JsonSerializer.Deserialize<OutOfDomainCalibration>(json, Json)
                ?? throw new InvalidDataException($"{EntryName} is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{EntryName} is not a calibration this Kodiak can read: {e.Message}", e);
        }

        if (NeedsFeatures(calibration.Method)
            && (calibration.FeatureCount < 1 || calibration.Precision.Length != sizeof(float) * calibration.FeatureCount * calibration.FeatureCount
                || calibration.ClassMeans.Length == 0 || calibration.ClassMeans.Length % (sizeof(float) * calibration.FeatureCount) != 0))
            throw new InvalidDataException($"{EntryName}: its class means and precision matrix do not fit {calibration.FeatureCount} features.");
        return calibration;
    }

    /// <summary>Whether <paramref name="method"/> scores the pooled features (else only the logits).</summary>
    /// <param name="method">The method.</param>
    public static bool NeedsFeatures(OutOfDomainMethod method) =>
        method is OutOfDomainMethod.Mahalanobis or OutOfDomainMethod.MahalanobisEnergy;

    internal static byte[] ToBytes(ReadOnlySpan<float> values) => MemoryMarshal.AsBytes(values).ToArray();

    internal static float[] ToFloats(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
