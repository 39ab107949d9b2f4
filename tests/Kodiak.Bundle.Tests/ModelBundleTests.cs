using System.IO.Compression;
using System.Text.Json;
using Kodiak.Testing;

namespace Kodiak.Bundle.Tests;

public sealed class ModelBundleTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static readonly byte[] Onnx = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];
    static readonly byte[] Weights = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 13))];
    static readonly byte[] Calibration = [.. Enumerable.Range(0, 2000).Select(i => (byte)(i * 3))];
    static readonly byte[] Int8 = [.. Enumerable.Range(0, 1500).Select(i => (byte)(i * 5))];

    internal static BundleManifest Manifest(params string[] classes) => new()
    {
        FormatVersion = ModelBundle.FormatVersion,
        Architecture = "ResNet18",
        Classes = classes.Length > 0 ? classes : ["grizzly", "black", "teddy"],
        Input = new ModelInput(OnnxTensors.Input, 32, 24, "NCHW", "RGB", [0f, 1f], "nothing"),
        ItemTransforms = [JsonDocument.Parse("""{"transform":"Resize","width":32,"height":24,"method":"Squish","padMode":"Reflection"}""").RootElement],
        Training = new TrainingSummary("bears", new Dictionary<string, IReadOnlyDictionary<string, int>> { ["train"] = new Dictionary<string, int> { ["grizzly"] = 3 } },
            2, new Dictionary<string, double> { ["error_rate"] = 0.25, ["valid_loss"] = double.NaN }, 12.5, "0.1.0"),
    };

    string Write(string name = "model.kodiak", BundleManifest? manifest = null, IReadOnlyDictionary<string, ReadOnlyMemory<byte>>? entries = null,
        IReadOnlyDictionary<string, string>? variants = null, bool weights = true)
    {
        string path = Path.Combine(_temp.Path, name);
        ModelBundle.Write(path, manifest ?? Manifest(), Onnx, entries, variants, weights ? stream => stream.Write(Weights) : null);
        return path;
    }

    static Dictionary<string, ReadOnlyMemory<byte>> Extras() => new() { ["calibration.bin"] = Calibration, ["model.int8.onnx"] = Int8 };

    static string[] ZipEntries(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return [.. zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void A_written_bundle_reads_back_with_its_description_and_files()
    {
        var bundle = ModelBundle.Open(Write());

        Assert.Equal(["grizzly", "black", "teddy"], bundle.Manifest.Classes);
        Assert.Equal((32, 24), (bundle.Manifest.Input.Width, bundle.Manifest.Input.Height));
        Assert.Equal("Resize", Assert.Single(bundle.Manifest.ItemTransforms).GetProperty("transform").GetString());
        Assert.Equal(0.25, bundle.Manifest.Training.Metrics["error_rate"]);
        Assert.True(double.IsNaN(bundle.Manifest.Training.Metrics["valid_loss"]));
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
        Assert.Equal(Weights, bundle.ReadTrainingWeights());
        Assert.Equal(2, bundle.Manifest.FormatVersion);
    }

    [Fact]
    public void The_bundle_holds_only_its_description_and_model_and_the_training_weights_lie_beside_it()
    {
        string path = Write();

        Assert.Equal([ModelBundle.ManifestEntry, ModelBundle.OnnxEntry], ZipEntries(path));
        Assert.Equal(Weights, File.ReadAllBytes(path + ModelBundle.TrainingWeightsSuffix));
        Assert.Equal(new Dictionary<string, string> { ["fp32"] = "model.onnx" }, ModelBundle.Open(path).Manifest.Variants);
    }

    [Fact]
    public void Extra_entries_are_listed_recorded_and_read_back()
    {
        var bundle = ModelBundle.Open(Write(entries: Extras()));

        Assert.Equal(["calibration.bin", "model.int8.onnx"], bundle.Manifest.Entries.Order(StringComparer.Ordinal));
        Assert.Equal(Calibration, bundle.ReadEntry("calibration.bin"));
        Assert.Equal(Int8, bundle.ReadEntry("model.int8.onnx"));
        Assert.Equal(["calibration.bin", "model.int8.onnx", "model.onnx"], bundle.Manifest.Sha256.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_variant_is_read_by_name_and_the_default_is_the_fp32_model()
    {
        var bundle = ModelBundle.Open(Write(entries: Extras(), variants: new Dictionary<string, string> { ["int8"] = "model.int8.onnx" }));

        Assert.Equal(new Dictionary<string, string> { ["fp32"] = "model.onnx", ["int8"] = "model.int8.onnx" }, bundle.Manifest.Variants);
        Assert.Equal(Int8, bundle.ReadOnnxModel("int8"));
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
    }

    [Fact]
    public void Asking_for_a_variant_the_bundle_lacks_names_those_it_has()
    {
        var bundle = ModelBundle.Open(Write());

        var e = Assert.Throws<ArgumentException>(() => bundle.ReadOnnxModel("int8"));

        Assert.Contains("has no model variant 'int8'; it has fp32", e.Message);
    }

    [Fact]
    public void Asking_for_an_entry_the_bundle_lacks_names_those_it_has()
    {
        var bundle = ModelBundle.Open(Write(entries: new Dictionary<string, ReadOnlyMemory<byte>> { ["calibration.bin"] = Calibration }));

        var e = Assert.Throws<ArgumentException>(() => bundle.ReadEntry("notes.txt"));

        Assert.Contains("has no entry 'notes.txt'; it has calibration.bin", e.Message);
        Assert.Throws<ArgumentException>(() => bundle.ReadEntry(ModelBundle.ManifestEntry));
    }

    [Theory]
    [InlineData("../escape.bin")]
    [InlineData("sub/file.bin")]
    [InlineData("sub\\file.bin")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData(" padded.bin")]
    [InlineData("kodiak.json")]
    [InlineData("KODIAK.JSON")]
    [InlineData("model.onnx")]
    [InlineData("weights.bin")]
    public void An_entry_name_that_is_a_path_or_the_bundles_own_is_refused(string name)
    {
        string path = Path.Combine(_temp.Path, "model.kodiak");

        var e = Assert.Throws<ArgumentException>(() =>
            ModelBundle.Write(path, Manifest(), Onnx, new Dictionary<string, ReadOnlyMemory<byte>> { [name] = Calibration }));

        Assert.Contains("cannot name a bundle entry", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_variant_naming_no_written_entry_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Write(variants: new Dictionary<string, string> { ["int8"] = "model.int8.onnx" }));

        Assert.Contains("'model.int8.onnx', which is not one of the entries written", e.Message);
    }

    [Fact]
    public void A_description_naming_an_entry_outside_the_bundle_is_refused()
    {
        string path = Write(entries: Extras());
        RewriteManifest(path, json => json.Replace("\"calibration.bin\"", "\"../calibration.bin\""));

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Open(path));

        Assert.Contains("lists an entry named '../calibration.bin', which no bundle may hold", e.Message);
    }

    [Fact]
    public void A_bundle_moved_to_another_folder_and_name_still_opens()
    {
        string original = Write(weights: false);
        string moved = Path.Combine(_temp.Path, "elsewhere", "bears v2.kodiak");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(original, moved);

        Assert.Equal(Onnx, ModelBundle.Open(moved).ReadOnnxModel());
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_bundle_and_weights_in_place_and_no_temporary_file()
    {
        string path = Write();
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => ModelBundle.Write(path, Manifest("a", "b"), Onnx, writeTrainingWeights: _ => throw new IOException("disk full")));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(Weights, ModelBundle.Open(path).ReadTrainingWeights());
        Assert.Equal([path, path + ModelBundle.TrainingWeightsSuffix], Directory.GetFiles(_temp.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Training_weights_from_another_export_are_refused()
    {
        string path = Write();
        string other = Path.Combine(_temp.Path, "other.kodiak");
        ModelBundle.Write(other, Manifest(), Onnx, writeTrainingWeights: stream => stream.Write(Calibration));
        File.Copy(other + ModelBundle.TrainingWeightsSuffix, path + ModelBundle.TrainingWeightsSuffix, overwrite: true);

        var e = Assert.Throws<InvalidDataException>(ModelBundle.Open(path).ReadTrainingWeights);

        Assert.Contains("model.kodiak.weights' does not match the SHA-256 recorded in", e.Message);
        Assert.Contains("belongs to another export", e.Message);
    }

    [Fact]
    public void Missing_training_weights_say_where_they_were_expected_and_that_serving_does_not_need_them()
    {
        string path = Write();
        File.Delete(path + ModelBundle.TrainingWeightsSuffix);
        var bundle = ModelBundle.Open(path);

        var e = Assert.Throws<FileNotFoundException>(bundle.ReadTrainingWeights);

        Assert.Contains("model.kodiak.weights' not found", e.Message);
        Assert.Contains("serving needs only the bundle", e.Message);
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
    }

    [Fact]
    public void A_bundle_exported_without_training_weights_says_it_cannot_be_trained_further()
    {
        var bundle = ModelBundle.Open(Write(weights: false));

        var e = Assert.Throws<InvalidDataException>(bundle.ReadTrainingWeights);

        Assert.Contains("was exported without its TorchSharp weights", e.Message);
        Assert.Null(bundle.Manifest.TrainingWeights);
    }

    [Fact]
    public void A_truncated_bundle_says_so()
    {
        string truncated = BundleFiles.Truncated(Write(), Path.Combine(_temp.Path, "cut.kodiak"));

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Open(truncated));

        Assert.Contains("cut.kodiak' is not a readable Kodiak bundle (truncated, damaged or not a zip file)", e.Message);
    }

    [Theory]
    [InlineData(ModelBundle.OnnxEntry)]
    [InlineData("calibration.bin")]
    public void A_changed_file_inside_the_bundle_is_detected(string entry)
    {
        var bundle = ModelBundle.Open(BundleFiles.Tampered(Write(entries: Extras()), Path.Combine(_temp.Path, "changed.kodiak"), entry));

        var e = Assert.Throws<InvalidDataException>(() => entry == ModelBundle.OnnxEntry ? bundle.ReadOnnxModel() : bundle.ReadEntry(entry));

        Assert.Contains($"changed.kodiak': {entry} does not match the SHA-256 recorded in kodiak.json", e.Message);
    }

    [Fact]
    public void A_bundle_from_a_newer_kodiak_is_refused_by_version()
    {
        string path = Write(manifest: Manifest() with { FormatVersion = ModelBundle.FormatVersion + 1 });

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Open(path));

        Assert.Contains($"is bundle format {ModelBundle.FormatVersion + 1}", e.Message);
        Assert.Contains("use a newer Kodiak", e.Message);
    }

    [Fact]
    public void Unknown_fields_from_later_versions_are_ignored()
    {
        string path = Write();
        RewriteManifest(path, json => json.Replace("\"formatVersion\": 2,", "\"formatVersion\": 2, \"calibration\": {\"energy\": [1, 2]},"));

        Assert.Equal(3, ModelBundle.Open(path).Manifest.Classes.Count);
    }

    [Theory]
    [InlineData("\"classes\"", "\"labels\"", "classes")]
    [InlineData("\"formatVersion\": 2", "\"version\": 2", "has no formatVersion")]
    [InlineData("{", "[", "kodiak.json is not valid JSON")]
    [InlineData("\"fp32\": \"model.onnx\"", "\"fp16\": \"model.onnx\"", "must give the variant fp32 as model.onnx")]
    public void An_incomplete_description_names_what_is_missing(string from, string to, string expected)
    {
        string path = Write();
        RewriteManifest(path, json => json.Replace(from, to));

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Open(path));

        Assert.Contains("model.kodiak", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_zip_without_a_description_is_not_a_bundle()
    {
        string path = Path.Combine(_temp.Path, "photos.kodiak");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            zip.CreateEntry("cat.jpg");

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.Open(path));

        Assert.Contains("holds no kodiak.json", e.Message);
    }

    [Fact]
    public void A_missing_bundle_is_file_not_found()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ModelBundle.Open(Path.Combine(_temp.Path, "none.kodiak")));

        Assert.Contains("none.kodiak", e.Message);
    }

    static void RewriteManifest(string path, Func<string, string> edit)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry(ModelBundle.ManifestEntry)!;
        string json;
        using (var reader = new StreamReader(entry.Open()))
            json = reader.ReadToEnd();
        string edited = edit(json);
        Assert.NotEqual(json, edited);
        entry.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(ModelBundle.ManifestEntry).Open());
        writer.Write(edited);
    }

    [Fact]
    public void An_entry_whose_header_claims_more_than_a_bundle_may_hold_is_refused_naming_it()
    {
        string path = BundleFiles.ClaimingSize(Write(entries: Extras()), Path.Combine(_temp.Path, "huge.kodiak"), "calibration.bin", 4_000_000_000);
        var bundle = ModelBundle.Open(path);

        var e = Assert.Throws<InvalidDataException>(() => bundle.ReadEntry("calibration.bin"));

        Assert.Contains("huge.kodiak", e.Message);
        Assert.Contains("calibration.bin claims 4000000000 bytes, more than the 1073741824 a bundle entry may hold", e.Message);
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
    }

    [Fact]
    public void Writing_a_variant_into_a_bundle_keeps_its_model_entries_and_weights_and_adds_the_variant()
    {
        string path = Write(entries: new Dictionary<string, ReadOnlyMemory<byte>> { ["calibration.bin"] = Calibration });
        var report = new QuantizationReport("min-max", 300, 40, 0.995, 0.05, 0.055);

        ModelBundle.WriteVariant(path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, Int8, m => m with { Quantization = report });

        var bundle = ModelBundle.Open(path);
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
        Assert.Equal(Int8, bundle.ReadOnnxModel(ModelBundle.Int8Variant));
        Assert.Equal(Calibration, bundle.ReadEntry("calibration.bin"));
        Assert.Equal(Weights, bundle.ReadTrainingWeights());
        Assert.Equal(report, bundle.Manifest.Quantization);
        Assert.Equal(["grizzly", "black", "teddy"], bundle.Manifest.Classes);
        Assert.Equal([ModelBundle.DefaultVariant, ModelBundle.Int8Variant], bundle.Manifest.Variants.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Writing_a_variant_again_replaces_its_model()
    {
        string path = Write();
        ModelBundle.WriteVariant(path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, Int8);
        byte[] newer = [.. Int8.Reverse()];

        ModelBundle.WriteVariant(path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, newer);

        var bundle = ModelBundle.Open(path);
        Assert.Equal(newer, bundle.ReadOnnxModel(ModelBundle.Int8Variant));
        Assert.Equal([ModelBundle.Int8Entry], bundle.Manifest.Entries);
        Assert.Equal(ZipEntries(path), new[] { ModelBundle.ManifestEntry, ModelBundle.OnnxEntry, ModelBundle.Int8Entry }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Writing_a_variant_into_a_damaged_bundle_leaves_it_as_it_was()
    {
        string path = Write(entries: Extras());
        // Change one entry's bytes behind the bundle's back: its SHA-256 no longer matches.
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            zip.GetEntry("calibration.bin")!.Delete();
            using var stream = zip.CreateEntry("calibration.bin").Open();
            stream.Write([1, 2, 3]);
        }

        byte[] before = File.ReadAllBytes(path);

        var e = Assert.Throws<InvalidDataException>(() => ModelBundle.WriteVariant(path, ModelBundle.Int8Variant, ModelBundle.Int8Entry, Int8));

        Assert.Contains("calibration.bin does not match the SHA-256", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ModelBundle.TrainingWeightsSuffix],
            Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_fp32_variant_cannot_be_replaced()
    {
        string path = Write();

        var e = Assert.Throws<ArgumentException>(() => ModelBundle.WriteVariant(path, ModelBundle.DefaultVariant, "other.onnx", Int8));

        Assert.Contains("fp32", e.Message);
        Assert.Equal(Onnx, ModelBundle.Open(path).ReadOnnxModel());
    }
}
