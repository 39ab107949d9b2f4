using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kodiak.Vision;

/// <summary>
/// A <c>.kodiak</c> file: one zip holding <c>model.onnx</c> (for any ONNX runtime), <c>weights.bin</c> (TorchSharp
/// weights, to continue training) and <c>kodiak.json</c> (<see cref="BundleManifest"/>). Nothing in a bundle is
/// ever executed; reading checks the format version and every file's SHA-256.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The bundle format this version writes, and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>File extension of bundles.</summary>
    public const string Extension = ".kodiak";

    /// <summary>The description inside the bundle.</summary>
    public const string ManifestEntry = "kodiak.json";

    /// <summary>The ONNX model inside the bundle.</summary>
    public const string OnnxEntry = "model.onnx";

    /// <summary>The TorchSharp weights inside the bundle.</summary>
    public const string WeightsEntry = "weights.bin";

    /// <summary>Largest entry read from a bundle (1 GiB): a ResNet18's files are about 45 MB.</summary>
    internal const long MaxEntryBytes = 1L << 30;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // kodiak.json is read by people too: keep "×" and accents as they are, not \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    ModelBundle(string path, BundleManifest manifest)
    {
        Path = path;
        Manifest = manifest;
    }

    /// <summary>The bundle file.</summary>
    public string Path { get; }

    /// <summary>What the bundle says about its model.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>
    /// Writes a bundle atomically: to a temporary file beside <paramref name="path"/>, then renamed over it, so a
    /// crash or error mid-way leaves any earlier bundle at <paramref name="path"/> untouched.
    /// </summary>
    /// <param name="path">The bundle to write, normally ending in <see cref="Extension"/>.</param>
    /// <param name="manifest">The description; its <see cref="BundleManifest.Sha256"/> is filled in here.</param>
    /// <param name="onnxModel">The serialised ONNX model.</param>
    /// <param name="writeWeights">Writes the TorchSharp weights to the stream it is given.</param>
    public static void Write(string path, BundleManifest manifest, ReadOnlyMemory<byte> onnxModel, Action<Stream> writeWeights)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(writeWeights);
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            using var weights = new MemoryStream();
            writeWeights(weights);
            // ToArray, not GetBuffer: works even if the writer closed the stream, as TorchSharp's save does.
            var hashes = new Dictionary<string, string>
            {
                [OnnxEntry] = Add(zip, OnnxEntry, onnxModel.Span),
                [WeightsEntry] = Add(zip, WeightsEntry, weights.ToArray()),
            };
            Add(zip, ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(manifest with { Sha256 = hashes }, Json));
        });
    }

    /// <summary>Opens a bundle and checks its description; the model files are read (and verified) on demand.</summary>
    /// <param name="path">The <c>.kodiak</c> file.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">
    /// Not a bundle, truncated or damaged, made by a newer Kodiak, or its description is incomplete; the message says which.
    /// </exception>
    public static ModelBundle Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        byte[] json = ReadEntry(full, ManifestEntry);
        int version;
        try
        {
            using var document = JsonDocument.Parse(json);
            version = document.RootElement.ValueKind == JsonValueKind.Object
                      && document.RootElement.TryGetProperty("formatVersion", out var v) && v.TryGetInt32(out int n)
                ? n
                : throw new InvalidDataException($"'{full}': {ManifestEntry} has no formatVersion, so it is not a Kodiak bundle.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{full}': {ManifestEntry} is not valid JSON ({e.Message}); the bundle is damaged.", e);
        }

        if (version < 1 || version > FormatVersion)
            throw new InvalidDataException(
                $"'{full}' is bundle format {version}, but this Kodiak reads formats 1 to {FormatVersion}; use a newer Kodiak to load it.");
        BundleManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<BundleManifest>(json, Json)!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{full}': {ManifestEntry} is incomplete or has a wrong field: {e.Message}", e);
        }

        if (manifest.Classes.Count < 2 || manifest.Classes.Distinct(StringComparer.Ordinal).Count() != manifest.Classes.Count)
            throw new InvalidDataException($"'{full}': {ManifestEntry} must list at least two distinct classes.");
        foreach (string entry in new[] { OnnxEntry, WeightsEntry })
            if (!manifest.Sha256.ContainsKey(entry))
                throw new InvalidDataException($"'{full}': {ManifestEntry} records no SHA-256 for {entry}.");
        return new ModelBundle(full, manifest);
    }

    /// <summary>Reads the ONNX model and checks it is the one exported.</summary>
    /// <exception cref="InvalidDataException">It is missing or was changed after export.</exception>
    public byte[] ReadOnnxModel() => ReadVerified(OnnxEntry);

    /// <summary>Reads the TorchSharp weights and checks they are the ones exported.</summary>
    /// <exception cref="InvalidDataException">They are missing or were changed after export.</exception>
    public byte[] ReadWeights() => ReadVerified(WeightsEntry);

    byte[] ReadVerified(string name)
    {
        byte[] bytes = ReadEntry(Path, name);
        if (!string.Equals(Hash(bytes), Manifest.Sha256[name], StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"'{Path}': {name} does not match the SHA-256 recorded in {ManifestEntry}; the bundle was modified or damaged after export.");
        return bytes;
    }

    static string Add(ZipArchive zip, string name, ReadOnlySpan<byte> bytes)
    {
        using (var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open())
            stream.Write(bytes);
        return Hash(bytes);
    }

    static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    static byte[] ReadEntry(string path, string name)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model bundle not found: '{path}'.", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.GetEntry(name) is { } entry)
            {
                // Reading stops at the size the header declares, so that size bounds what a damaged or hostile bundle
                // can make us hold: refuse sizes no Kodiak model reaches before reading any of it, and let the buffer
                // grow with the data rather than trust the header for its first allocation.
                if (entry.Length > MaxEntryBytes)
                    throw new InvalidDataException($"{name} claims {entry.Length} bytes, more than the {MaxEntryBytes} a bundle entry may hold");
                using var stream = entry.Open();
                using var buffer = new MemoryStream((int)Math.Min(entry.Length, 1 << 24));
                stream.CopyTo(buffer);
                return buffer.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a readable Kodiak bundle (truncated, damaged or not a zip file): {e.Message}", e);
        }

        throw new InvalidDataException($"'{path}' holds no {name}, so it is not a complete Kodiak bundle.");
    }
}
