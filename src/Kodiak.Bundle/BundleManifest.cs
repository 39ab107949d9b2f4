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
}

/// <summary>A file kept beside a bundle rather than inside it, tied to the bundle by its SHA-256.</summary>
/// <param name="Name">The file's name, in the bundle's folder.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) of its content.</param>
public sealed record CompanionFile(string Name, string Sha256);

/// <summary>
/// The ONNX model's image input: float <c>[N, 3, Height, Width]</c>, RGB in [0, 1], planar (channel by channel);
/// any normalisation the network needs happens inside the graph.
/// </summary>
/// <param name="Name">The ONNX input name (<see cref="OnnxTensors.Input"/>).</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Layout">Axis order, <c>NCHW</c>.</param>
/// <param name="ChannelOrder">Channel order of the input, <c>RGB</c>.</param>
/// <param name="PixelRange">Range of the input values, <c>[0, 1]</c> (bytes divided by 255).</param>
/// <param name="InsideGraph">What the graph does to the input before the network proper, in words.</param>
public sealed record ModelInput(string Name, int Width, int Height, string Layout, string ChannelOrder, IReadOnlyList<float> PixelRange,
    string InsideGraph);

/// <summary>How a bundled model was trained.</summary>
/// <param name="DataFolder">The data folder, as a full path (bundles from before it was made full may hold it as typed).</param>
/// <param name="Items">Images per split (<c>train</c>, <c>valid</c>) and class.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Metrics">Losses and metrics of the last epoch, by name (e.g. <c>error_rate</c>).</param>
/// <param name="Seconds">Training time.</param>
/// <param name="KodiakVersion">Version of Kodiak that trained and exported the model.</param>
public sealed record TrainingSummary(string DataFolder, IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Items, int Epochs,
    IReadOnlyDictionary<string, double> Metrics, double Seconds, string KodiakVersion)
{
    /// <summary>
    /// The validation images, relative to <see cref="DataFolder"/> with '/' separators, so the split the model was
    /// trained with can be found again (e.g. by <c>kodiak clean</c>); null in bundles from before it was recorded.
    /// </summary>
    public IReadOnlyList<string>? ValidItems { get; init; }
}
