using Kodiak.Bundle;
using Kodiak.Inference;

namespace Kodiak.Server;

/// <summary>The loaded bundle and how the app names it.</summary>
internal sealed class ServedModel(Predictor predictor, ServeOptions options) : IDisposable
{
    public Predictor Predictor { get; } = predictor;

    public ServeOptions Options { get; } = options;

    /// <summary>The name of the data folder it was trained on (what a person called the task), else the bundle's file name.</summary>
    public string Name { get; } = Path.GetFileName(Path.TrimEndingDirectorySeparator(predictor.Manifest.Training.DataFolder)) is { Length: > 0 } folder
                                  and not ("." or "..")
        ? folder
        : Path.GetFileNameWithoutExtension(predictor.Path);

    /// <summary>The first 12 hex digits of the ONNX model's SHA-256: changes whenever the model does.</summary>
    public string Version { get; } = predictor.Manifest.Sha256.TryGetValue(ModelBundle.OnnxEntry, out var sha) ? sha[..Math.Min(12, sha.Length)] : "unknown";

    public void Dispose() => Predictor.Dispose();
}
