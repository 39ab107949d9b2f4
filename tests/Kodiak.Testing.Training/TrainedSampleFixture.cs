using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kodiak.Training.Data;
using Kodiak.Training.Export;
using Kodiak.Training.Interpret;
using Kodiak.Training.Learn;
using Kodiak.Training.Models;
using Kodiak.Vision.Files;
using Kodiak.Vision.Transforms;

namespace Kodiak.Testing.Training;

/// <summary>
/// An even subset of the bundled sample (<see cref="SampleImages.Subset"/>: 50 images a class, so tests stay fast) trained as <c>kodiak train</c> does (32 px, random-crop sizing, no augmentation, 20 % validation,
/// seed 42), exported, with the training process's own validation predictions. It is trained once per test run for all
/// test assemblies: the bundle and the predictions are kept in a temp folder keyed by the recipe, the sample's bytes and
/// the training code, and a file lock makes assemblies that start together wait for the first one instead of training too.
/// A test project shares one per assembly through an xUnit collection fixture of its own
/// (<c>[CollectionDefinition(TrainedSampleFixture.Collection)] … : ICollectionFixture&lt;TrainedSampleFixture&gt;</c>).
/// </summary>
public sealed class TrainedSampleFixture : IDisposable
{
    /// <summary>The name to give the test collection that shares one trained sample.</summary>
    public const string Collection = "trained sample";

    /// <summary>What <see cref="Train"/> does, for the cache key (which also covers the code, so this is only for people reading a cache folder).</summary>
    const string Recipe = "random-crop 32 minScale 0.5, no augmentation, validPct 0.2, seed 42, batch 16, ResNet18, FitOneCycle(1, 1e-2)";

    const string BundleName = "model.kodiak";
    const string ValidationName = "validation.json";

    readonly TempFolder _temp = new();

    public TrainedSampleFixture()
    {
        Data = SampleImages.Subset(_temp.Path);
        string root = Path.Combine(Path.GetTempPath(), "kodiak-tests");
        string cache = Path.Combine(root, "trained-sample-" + Key(Data));
        using (Lock(cache))
        {
            // Marks the folder as in use, so that no other run prunes it.
            Directory.SetLastWriteTimeUtc(cache, DateTime.UtcNow);
            if (!File.Exists(Path.Combine(cache, ValidationName)))
                Train(Data, cache);
            Validation = Load(Path.Combine(cache, ValidationName), Data);
            // A copy of its own, so that no test can change what the other assemblies load.
            Bundle = Path.Combine(_temp.Path, BundleName);
            File.Copy(Path.Combine(cache, BundleName), Bundle);
        }

        PruneOthers(root, cache);
    }

    /// <summary>The sample subset's folder (one subfolder per class), this fixture's own copy.</summary>
    public string Data { get; }

    /// <summary>The exported <c>.kodiak</c> bundle (this fixture's own copy).</summary>
    public string Bundle { get; }

    /// <summary>The validation images with the labels and probabilities the training process gave them.</summary>
    public ClassificationInterpretation Validation { get; }

    /// <summary>A temp folder that lives as long as the fixture.</summary>
    public string Temp => _temp.Path;

    public void Dispose() => _temp.Dispose();

    static void Train(string data, string cache)
    {
        // What kodiak train does for --resize random-crop --size 32 without augmentation.
        var dls = ImageDataLoaders.FromFolder(data, validPct: 0.2, seed: 42, itemTransforms: [new RandomResizedCrop(32, 0.5)], batchSize: 16);
        using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: 42);
        learner.FitOneCycle(1, 1e-2);
        string bundle = Path.Combine(cache, BundleName);
        File.Delete(bundle); // what a run that died while exporting may have left
        learner.Export(bundle);
        var valid = learner.GetPreds();
        var saved = new SavedValidation(valid.Vocab, [.. valid.Paths.Select((_, i) => valid.Vocab.Select((_, c) => valid.Probability(i, c)).ToArray())],
            [.. valid.Targets], [.. valid.Losses], [.. valid.Paths.Select(p => Path.GetRelativePath(data, p))]);
        // Written last and whole: its presence says the folder is complete.
        string part = Path.Combine(cache, ValidationName + ".part");
        File.WriteAllText(part, JsonSerializer.Serialize(saved));
        File.Move(part, Path.Combine(cache, ValidationName), overwrite: true);
    }

    static ClassificationInterpretation Load(string path, string data)
    {
        var saved = JsonSerializer.Deserialize<SavedValidation>(File.ReadAllText(path))!;
        return new ClassificationInterpretation(saved.Vocab, saved.Probabilities, saved.Targets, saved.Losses, [.. saved.Paths.Select(p => Path.Combine(data, p))]);
    }

    /// <summary>
    /// A hash of the recipe, every sample file (name and bytes) and the code: the training, decoding and this fixture's
    /// assemblies' MVIDs (deterministic builds: they change exactly when the code or its references do).
    /// </summary>
    static string Key(string data)
    {
        var text = new StringBuilder(Recipe);
        foreach (var code in new[] { typeof(VisionLearner), typeof(ImageFiles), typeof(TrainedSampleFixture) })
            text.Append('|').Append(code.Assembly.ManifestModule.ModuleVersionId);
        foreach (string file in ImageFiles.Get(data).Order(StringComparer.Ordinal))
            text.Append('|').Append(Path.GetRelativePath(data, file)).Append(':').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>
    /// An exclusive lock on the folder's <c>.lock</c> file (flock on Linux, released if the holder dies), waiting for
    /// whoever holds it; the folder is made (again, should a prune have just removed it) as needed.
    /// </summary>
    static FileStream Lock(string folder)
    {
        // Only a guard: training takes well under this even on a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        while (true)
        {
            try
            {
                Directory.CreateDirectory(folder);
                return new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Held by another assembly (or the folder was just pruned): try again shortly.
                Thread.Sleep(200);
            }
        }
    }

    /// <summary>
    /// Deletes other keys' folders (each bundle is about 140 MB) unused for an hour: older code's models, which no run
    /// that is still going can need (every fixture touches its folder when it takes the lock, and a run takes minutes).
    /// </summary>
    static void PruneOthers(string root, string keep)
    {
        foreach (string folder in Directory.EnumerateDirectories(root, "trained-sample-*"))
        {
            if (folder == keep || Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow - TimeSpan.FromHours(1))
                continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run is pruning it too, or it is not ours to delete: it costs only disk.
            }
        }
    }

    sealed record SavedValidation(IReadOnlyList<string> Vocab, float[][] Probabilities, int[] Targets, float[] Losses, IReadOnlyList<string> Paths);
}
