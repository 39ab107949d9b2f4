using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kodiak.Bundle;

/// <summary>
/// A <c>.kodiak</c> file: one zip holding <c>kodiak.json</c> (<see cref="BundleManifest"/>), <c>model.onnx</c> (for any
/// ONNX runtime) and any named extra entries (other model variants, calibration data…). Nothing in a bundle is ever
/// executed; reading checks the format version and every file's SHA-256. The TorchSharp weights, needed only to continue
/// training, are kept beside the bundle (<see cref="TrainingWeightsSuffix"/>), so a served bundle carries its weights once.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>The bundle format this version writes, and the newest it reads (format 1 held the TorchSharp weights inside).</summary>
    public const int FormatVersion = 2;

    /// <summary>File extension of bundles.</summary>
    public const string Extension = ".kodiak";

    /// <summary>The description inside the bundle.</summary>
    public const string ManifestEntry = "kodiak.json";

    /// <summary>The ONNX model of the <see cref="DefaultVariant"/> inside the bundle.</summary>
    public const string OnnxEntry = "model.onnx";

    /// <summary>The model variant every bundle has (full-precision floats), stored as <see cref="OnnxEntry"/>.</summary>
    public const string DefaultVariant = "fp32";

    /// <summary>The statically quantized variant (int8 weights and activations), when a bundle has one, stored as <see cref="Int8Entry"/>.</summary>
    public const string Int8Variant = "int8";

    /// <summary>The entry holding the <see cref="Int8Variant"/> model.</summary>
    public const string Int8Entry = "model.int8.onnx";

    /// <summary>What is appended to a bundle's file name for the file of TorchSharp weights beside it (<c>model.kodiak.weights</c>).</summary>
    public const string TrainingWeightsSuffix = ".weights";

    /// <summary>The TorchSharp weights inside format-1 bundles.</summary>
    internal const string FormatOneWeightsEntry = "weights.bin";

    /// <summary>Largest entry read from a bundle (1 GiB): a ResNet18's model is about 66 MB.</summary>
    internal const long MaxEntryBytes = 1L << 30;

    static readonly string[] ReservedNames = [ManifestEntry, OnnxEntry, FormatOneWeightsEntry];

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

    /// <summary>What the bundle says about its model; <see cref="BundleManifest.Variants"/> always holds <see cref="DefaultVariant"/>.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>
    /// Writes a bundle atomically: to a temporary file beside <paramref name="path"/>, then renamed over it, so a
    /// crash or error mid-way leaves any earlier bundle at <paramref name="path"/> untouched.
    /// </summary>
    /// <param name="path">The bundle to write, normally ending in <see cref="Extension"/>.</param>
    /// <param name="manifest">
    /// The description; its <see cref="BundleManifest.Sha256"/>, <see cref="BundleManifest.Variants"/>,
    /// <see cref="BundleManifest.Entries"/> and <see cref="BundleManifest.TrainingWeights"/> are filled in here.
    /// </param>
    /// <param name="onnxModel">The serialised ONNX model, the <see cref="DefaultVariant"/>.</param>
    /// <param name="entries">Extra entries by name (plain file names: no folders, no '..', none of the bundle's own names).</param>
    /// <param name="variants">Further model variants: variant name (e.g. <c>int8</c>) → the name of its ONNX model in <paramref name="entries"/>.</param>
    /// <param name="writeTrainingWeights">
    /// Writes the TorchSharp weights, kept in <c><paramref name="path"/><see cref="TrainingWeightsSuffix"/></c> (written
    /// atomically, before the bundle) and tied to the bundle by their SHA-256; null writes none.
    /// </param>
    /// <exception cref="ArgumentException">An entry or variant name is not allowed, or a variant names no entry.</exception>
    public static void Write(string path, BundleManifest manifest, ReadOnlyMemory<byte> onnxModel,
        IReadOnlyDictionary<string, ReadOnlyMemory<byte>>? entries = null, IReadOnlyDictionary<string, string>? variants = null,
        Action<Stream>? writeTrainingWeights = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(manifest);
        entries ??= new Dictionary<string, ReadOnlyMemory<byte>>();
        variants ??= new Dictionary<string, string>();
        foreach (string name in entries.Keys)
            CheckEntryName(name, nameof(entries));
        var allVariants = new Dictionary<string, string>(StringComparer.Ordinal) { [DefaultVariant] = OnnxEntry };
        foreach (var (variant, entry) in variants)
        {
            if (!IsPlainName(variant) || variant == DefaultVariant)
                throw new ArgumentException($"'{variant}' cannot name a model variant: use a plain name other than {DefaultVariant}, which is always {OnnxEntry}.", nameof(variants));
            if (!entries.ContainsKey(entry))
                throw new ArgumentException($"Model variant '{variant}' names '{entry}', which is not one of the entries written.", nameof(variants));
            allVariants[variant] = entry;
        }

        CompanionFile? trainingWeights = null;
        if (writeTrainingWeights is not null)
        {
            using var weights = new MemoryStream();
            writeTrainingWeights(weights);
            // ToArray, not GetBuffer: works even if the writer closed the stream, as TorchSharp's save does.
            trainingWeights = WriteTrainingWeights(path, weights.ToArray());
        }

        WriteZip(path, manifest, onnxModel, entries, allVariants, trainingWeights);
    }

    /// <summary>
    /// Adds a model variant to an existing bundle, or replaces the one of that name, atomically: the bundle is written
    /// again whole (every other entry and variant kept, each checked against its SHA-256 first) to a temporary file and
    /// renamed over it. A format-1 bundle becomes format 2, its TorchSharp weights moved beside it.
    /// </summary>
    /// <param name="path">The bundle.</param>
    /// <param name="variant">The variant, e.g. <see cref="Int8Variant"/>; not <see cref="DefaultVariant"/>.</param>
    /// <param name="entry">The entry its ONNX model is stored as, e.g. <see cref="Int8Entry"/>.</param>
    /// <param name="onnxModel">The serialised ONNX model.</param>
    /// <param name="update">Changes to the description written with it (e.g. a <see cref="BundleManifest.Quantization"/> report); null keeps it.</param>
    /// <exception cref="FileNotFoundException">No such bundle.</exception>
    /// <exception cref="InvalidDataException">The bundle is unreadable or damaged; it is left as it was.</exception>
    /// <exception cref="ArgumentException">The variant or entry name is not allowed.</exception>
    public static void WriteVariant(string path, string variant, string entry, ReadOnlyMemory<byte> onnxModel,
        Func<BundleManifest, BundleManifest>? update = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(variant);
        CheckEntryName(entry, nameof(entry));
        if (!IsPlainName(variant) || variant == DefaultVariant)
            throw new ArgumentException($"'{variant}' cannot name a model variant: use a plain name other than {DefaultVariant}, which is always {OnnxEntry}.", nameof(variant));
        var bundle = Open(path);
        var manifest = bundle.Manifest;
        // The replaced variant's old model goes; an entry another variant names stays.
        var variants = manifest.Variants.Where(v => v.Key != DefaultVariant && v.Key != variant).ToDictionary(StringComparer.Ordinal);
        var entries = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (string name in manifest.Entries)
            if (name != entry && (name != manifest.Variants.GetValueOrDefault(variant) || variants.ContainsValue(name)))
                entries[name] = bundle.ReadVerified(name);
        entries[entry] = onnxModel;
        variants[variant] = entry;
        byte[] fp32 = bundle.ReadOnnxModel();
        var trainingWeights = manifest.FormatVersion == 1 ? WriteTrainingWeights(bundle.Path, bundle.ReadTrainingWeights()) : manifest.TrainingWeights;
        var updated = (update?.Invoke(manifest) ?? manifest) with { FormatVersion = FormatVersion };
        WriteZip(bundle.Path, updated, fp32, entries, variants.Prepend(new(DefaultVariant, OnnxEntry)).ToDictionary(StringComparer.Ordinal), trainingWeights);
    }

    /// <summary>Writes the TorchSharp weights beside <paramref name="path"/>, atomically, and says how the bundle names them.</summary>
    static CompanionFile WriteTrainingWeights(string path, byte[] bytes)
    {
        string weightsPath = System.IO.Path.GetFullPath(path) + TrainingWeightsSuffix;
        AtomicFile.Write(weightsPath, file => file.Write(bytes));
        return new CompanionFile(System.IO.Path.GetFileName(weightsPath), Hash(bytes));
    }

    static void WriteZip(string path, BundleManifest manifest, ReadOnlyMemory<byte> onnxModel, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> entries,
        IReadOnlyDictionary<string, string> variants, CompanionFile? trainingWeights) =>
        AtomicFile.Write(path, file =>
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
            var hashes = new Dictionary<string, string>(StringComparer.Ordinal) { [OnnxEntry] = Add(zip, OnnxEntry, onnxModel.Span) };
            foreach (var (name, bytes) in entries)
                hashes[name] = Add(zip, name, bytes.Span);
            var complete = manifest with
            {
                Sha256 = hashes,
                Variants = variants,
                Entries = [.. entries.Keys],
                TrainingWeights = trainingWeights,
            };
            Add(zip, ManifestEntry, JsonSerializer.SerializeToUtf8Bytes(complete, Json));
        });

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
        byte[] json = ReadZipEntry(full, ManifestEntry);
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
        if (version == 1)
        {
            // Format 1 had one model and its TorchSharp weights inside, and no variants or entries fields.
            RequireHash(full, manifest, FormatOneWeightsEntry);
            manifest = manifest with
            {
                Variants = new Dictionary<string, string> { [DefaultVariant] = OnnxEntry },
                Entries = [],
                TrainingWeights = null,
            };
        }

        CheckContents(full, manifest);
        return new ModelBundle(full, manifest);
    }

    /// <summary>Reads the ONNX model of a variant and checks it is the one exported.</summary>
    /// <param name="variant">The variant, one of <see cref="BundleManifest.Variants"/>.</param>
    /// <exception cref="ArgumentException">The bundle has no such variant; the message lists those it has.</exception>
    /// <exception cref="InvalidDataException">The model is missing or was changed after export.</exception>
    public byte[] ReadOnnxModel(string variant = DefaultVariant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        return Manifest.Variants.TryGetValue(variant, out string? entry)
            ? ReadVerified(entry)
            : throw new ArgumentException(
                $"'{Path}' has no model variant '{variant}'; it has {string.Join(", ", Manifest.Variants.Keys.Order(StringComparer.Ordinal))}.", nameof(variant));
    }

    /// <summary>Reads an extra entry written with the model and checks it is the one exported.</summary>
    /// <param name="name">The entry, one of <see cref="BundleManifest.Entries"/>.</param>
    /// <exception cref="ArgumentException">The bundle has no such entry; the message lists those it has.</exception>
    /// <exception cref="InvalidDataException">The entry is missing or was changed after export.</exception>
    public byte[] ReadEntry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Manifest.Entries.Contains(name, StringComparer.Ordinal)
            ? ReadVerified(name)
            : throw new ArgumentException(
                $"'{Path}' has no entry '{name}'; it has {(Manifest.Entries.Count == 0 ? "none" : string.Join(", ", Manifest.Entries))}.", nameof(name));
    }

    /// <summary>
    /// Reads the TorchSharp weights exported with the model, to continue training: from beside the bundle (inside it
    /// for format 1), checked against the SHA-256 the bundle records.
    /// </summary>
    /// <exception cref="FileNotFoundException">The weights file is not beside the bundle.</exception>
    /// <exception cref="InvalidDataException">None were exported, or they are damaged or belong to another export.</exception>
    public byte[] ReadTrainingWeights()
    {
        if (Manifest.FormatVersion == 1)
            return ReadVerified(FormatOneWeightsEntry);
        var companion = Manifest.TrainingWeights
            ?? throw new InvalidDataException($"'{Path}' was exported without its TorchSharp weights, so it can be served but not trained further.");
        string weightsPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, companion.Name);
        var file = new FileInfo(weightsPath);
        if (!file.Exists)
            throw new FileNotFoundException(
                $"'{weightsPath}' not found: it holds the TorchSharp weights of '{Path}', needed to continue training (serving needs only the bundle). "
                + "Keep it beside the bundle, with the same name.", weightsPath);
        if (file.Length > MaxEntryBytes)
            throw new InvalidDataException($"'{weightsPath}' holds {file.Length} bytes, more than the {MaxEntryBytes} Kodiak's weights may take.");
        byte[] bytes = File.ReadAllBytes(weightsPath);
        if (!string.Equals(Hash(bytes), companion.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"'{weightsPath}' does not match the SHA-256 recorded in '{Path}': it was changed, or belongs to another export of the model.");
        return bytes;
    }

    /// <summary>Every file the description names must have a SHA-256 and a plain name, so reading can never leave the bundle.</summary>
    static void CheckContents(string path, BundleManifest manifest)
    {
        RequireHash(path, manifest, OnnxEntry);
        if (!manifest.Variants.TryGetValue(DefaultVariant, out string? fp32) || fp32 != OnnxEntry)
            throw new InvalidDataException($"'{path}': {ManifestEntry} must give the variant {DefaultVariant} as {OnnxEntry}.");
        foreach (string entry in manifest.Entries)
        {
            if (!IsEntryName(entry))
                throw new InvalidDataException($"'{path}': {ManifestEntry} lists an entry named '{entry}', which no bundle may hold.");
            RequireHash(path, manifest, entry);
        }

        foreach (var (variant, entry) in manifest.Variants)
            if (entry != OnnxEntry && !manifest.Entries.Contains(entry, StringComparer.Ordinal))
                throw new InvalidDataException($"'{path}': {ManifestEntry} gives the variant {variant} as '{entry}', which is not one of its entries.");
        if (manifest.TrainingWeights is { } weights && !IsPlainName(weights.Name))
            throw new InvalidDataException($"'{path}': {ManifestEntry} names its training weights '{weights.Name}', which is not a plain file name.");
    }

    static void RequireHash(string path, BundleManifest manifest, string entry)
    {
        if (!manifest.Sha256.ContainsKey(entry))
            throw new InvalidDataException($"'{path}': {ManifestEntry} records no SHA-256 for {entry}.");
    }

    static void CheckEntryName(string name, string parameter)
    {
        if (!IsEntryName(name))
            throw new ArgumentException(
                $"'{name}' cannot name a bundle entry: use a plain file name (no folders, no '..'), none of {string.Join(", ", ReservedNames)}.", parameter);
    }

    static bool IsEntryName(string name) => IsPlainName(name) && !ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase);

    // A zip entry or file name that stays where it is put: no folder, no parent, nothing a file system would reinterpret.
    static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 200 && name.Trim() == name && !name.Contains("..", StringComparison.Ordinal)
        && name.IndexOfAny(['/', '\\', ':']) < 0 && !name.Any(char.IsControl);

    byte[] ReadVerified(string name)
    {
        byte[] bytes = ReadZipEntry(Path, name);
        if (!string.Equals(Hash(bytes), Manifest.Sha256[name], StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"'{Path}': {name} does not match the SHA-256 recorded in {ManifestEntry}; the bundle was modified or damaged after export.");
        return bytes;
    }

    static string Add(ZipArchive zip, string name, ReadOnlySpan<byte> bytes)
    {
        // Optimal, not Fastest: .NET's fastest deflate grows float weights by about 6 % where level 6 shrinks them by 7 %.
        using (var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open())
            stream.Write(bytes);
        return Hash(bytes);
    }

    static string Hash(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    static byte[] ReadZipEntry(string path, string name)
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
