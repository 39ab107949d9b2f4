using System.Text.Json;
using Kodiak.Testing;

namespace Kodiak.Vision.Tests;

public sealed class ModelBundleTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    static readonly byte[] Onnx = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))];
    static readonly byte[] Weights = [.. Enumerable.Range(0, 3000).Select(i => (byte)(i * 13))];

    internal static BundleManifest Manifest(params string[] classes) => new()
    {
        FormatVersion = ModelBundle.FormatVersion,
        Architecture = "ResNet18",
        Classes = classes.Length > 0 ? classes : ["grizzly", "black", "teddy"],
        Input = new ModelInput("image", 32, 24, "NCHW", "RGB", [0f, 1f], "nothing"),
        ItemTransforms = [JsonSerializer.SerializeToElement(TransformRecipe.ToJson(new Resize(32, 24, ResizeMethod.Squish)))],
        Training = new TrainingSummary("bears", new Dictionary<string, IReadOnlyDictionary<string, int>> { ["train"] = new Dictionary<string, int> { ["grizzly"] = 3 } },
            2, new Dictionary<string, double> { ["error_rate"] = 0.25, ["valid_loss"] = double.NaN }, 12.5, "0.1.0"),
    };

    string Write(string name = "model.kodiak", BundleManifest? manifest = null)
    {
        string path = Path.Combine(_temp.Path, name);
        ModelBundle.Write(path, manifest ?? Manifest(), Onnx, stream => stream.Write(Weights));
        return path;
    }

    [Fact]
    public void A_written_bundle_reads_back_with_its_description_and_files()
    {
        var bundle = ModelBundle.Open(Write());

        Assert.Equal(["grizzly", "black", "teddy"], bundle.Manifest.Classes);
        Assert.Equal((32, 24), (bundle.Manifest.Input.Width, bundle.Manifest.Input.Height));
        Assert.Equal("Resize(32×24, Squish)", Assert.Single(bundle.Manifest.BuildItemTransforms("m")).ToString());
        Assert.Equal(0.25, bundle.Manifest.Training.Metrics["error_rate"]);
        Assert.True(double.IsNaN(bundle.Manifest.Training.Metrics["valid_loss"]));
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
        Assert.Equal(Weights, bundle.ReadWeights());
    }

    [Fact]
    public void A_bundle_moved_to_another_folder_and_name_still_opens()
    {
        string original = Write();
        string moved = Path.Combine(_temp.Path, "elsewhere", "bears v2.kodiak");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(original, moved);

        Assert.Equal(Onnx, ModelBundle.Open(moved).ReadOnnxModel());
    }

    [Fact]
    public void A_failed_write_leaves_the_previous_bundle_in_place_and_no_temporary_file()
    {
        string path = Write();
        byte[] before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => ModelBundle.Write(path, Manifest("a", "b"), Onnx, _ => throw new IOException("disk full")));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
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
    [InlineData(ModelBundle.WeightsEntry)]
    public void A_changed_file_inside_the_bundle_is_detected(string entry)
    {
        var bundle = ModelBundle.Open(BundleFiles.Tampered(Write(), Path.Combine(_temp.Path, "changed.kodiak"), entry));

        var e = Assert.Throws<InvalidDataException>(() => entry == ModelBundle.OnnxEntry ? bundle.ReadOnnxModel() : bundle.ReadWeights());

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
        RewriteManifest(path, json => json.Replace("\"formatVersion\": 1,", "\"formatVersion\": 1, \"calibration\": {\"energy\": [1, 2]},"));

        Assert.Equal(3, ModelBundle.Open(path).Manifest.Classes.Count);
    }

    [Theory]
    [InlineData("\"classes\"", "\"labels\"", "classes")]
    [InlineData("\"formatVersion\": 1", "\"version\": 1", "has no formatVersion")]
    [InlineData("{", "[", "kodiak.json is not valid JSON")]
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
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
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
        using var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update);
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
        string path = BundleFiles.ClaimingSize(Write(), Path.Combine(_temp.Path, "huge.kodiak"), ModelBundle.WeightsEntry, 4_000_000_000);
        var bundle = ModelBundle.Open(path);

        var e = Assert.Throws<InvalidDataException>(bundle.ReadWeights);

        Assert.Contains("huge.kodiak", e.Message);
        Assert.Contains("weights.bin claims 4000000000 bytes, more than the 1073741824 a bundle entry may hold", e.Message);
        Assert.Equal(Onnx, bundle.ReadOnnxModel());
    }
}
