using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kodiak.Bundle;

/// <summary>
/// <c>kodiak.json</c>, the description inside a <c>.kodiak</c> bundle: what the model predicts, what input it
/// takes and how to prepare it, and how it was trained. Readers ignore fields they do not know, so later
/// versions can add fields without breaking older readers.
/// </summary>
public sealed record BundleManifest
{
    /// <summary>Version of the bundle layout; readers refuse versions newer than <see cref="ModelBundle.FormatVersion"/>.</summary>
    public required int FormatVersion { get; init; }

    /// <summary>The network, e.g. <c>ResNet18</c>.</summary>
    public required string Architecture { get; init; }

    /// <summary>Class names in index order: output <c>i</c> of the model is the probability of <c>Classes[i]</c>.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>The ONNX model's input and the convention its pixels follow.</summary>
    public required ModelInput Input { get; init; }

    /// <summary>
    /// The validation item transforms, applied in order after decoding, that bring any image to
    /// <see cref="ModelInput.Width"/> × <see cref="ModelInput.Height"/>: each an object whose <c>transform</c> field
    /// names its kind, kept as JSON here because the transforms themselves live in Kodiak.Vision (its <c>TransformRecipe</c>
    /// rebuilds them).
    /// </summary>
    public required IReadOnlyList<JsonElement> ItemTransforms { get; init; }

    /// <summary>How the model was trained.</summary>
    public required TrainingSummary Training { get; init; }

    /// <summary>SHA-256 (lower-case hex) of each other file in the bundle, by name; checked on reading.</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The ONNX models in the bundle by variant name, e.g. <c>{"fp32": "model.onnx"}</c>; always holds
    /// <see cref="ModelBundle.DefaultVariant"/>. Filled in by <see cref="ModelBundle.Write"/>; format-1 bundles, which
    /// have no such field, are read as having only the default variant.
    /// </summary>
    public IReadOnlyDictionary<string, string> Variants { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The names of the extra entries written with the model (see <see cref="ModelBundle.ReadEntry"/>), each with its
    /// SHA-256 in <see cref="Sha256"/>; filled in by <see cref="ModelBundle.Write"/>.
    /// </summary>
    public IReadOnlyList<string> Entries { get; init; } = [];

    /// <summary>
    /// The TorchSharp weights kept beside the bundle to continue training (serving does not need them), or null when
    /// none were written; filled in by <see cref="ModelBundle.Write"/>. Format-1 bundles held them inside, as <c>weights.bin</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CompanionFile? TrainingWeights { get; init; }

    /// <summary>
    /// How the <see cref="ModelBundle.Int8Variant"/> model was quantized and how it agrees with fp32 on the validation
    /// images; null when the bundle has no int8 model.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public QuantizationReport? Quantization { get; init; }
}
