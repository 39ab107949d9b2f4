using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kodiak.Training;
using Kodiak.Vision;

namespace Kodiak.Testing.Training;

/// <summary>
/// The bundled sample trained as <c>kodiak train</c> does (32 px, random-crop sizing, no augmentation, 20 % validation,
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

    /// <summary>Everything the model depends on besides the images and the code; change it with <see cref="Train"/>.</summary>
    const string Recipe = "random-crop 32 minScale 0.5, no augmentation, validPct 0.2, seed 42, batch 16, ResNet18, FitOneCycle(1, 1e-2)";

    const string BundleName = "model.kodiak";
    const string ValidationName = "validation.json";

    readonly TempFolder _temp = new();

    public TrainedSampleFixture()
    {
        Data = Path.Combine(AppContext.BaseDirectory, "samples", "clipart");
        string cache = Path.Combine(Path.GetTempPath(), "kodiak-tests", "trained-sample-" + Key(Data));
        Directory.CreateDirectory(cache);
        using (Lock(Path.Combine(cache, ".lock")))
        {
            if (!File.Exists(Path.Combine(cache, ValidationName)))
                Train(Data, cache);
            Validation = Load(Path.Combine(cache, ValidationName), Data);
            // A copy of its own, so that no test can change what the other assemblies load.
            Bundle = Path.Combine(_temp.Path, BundleName);
            File.Copy(Path.Combine(cache, BundleName), Bundle);
        }
    }

    /// <summary>The sample's folder (one subfolder per class).</summary>
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
        // The CLI's FolderData block for --resize random-crop --size 32, written with the Training API so no CLI is needed.
        var block = new DataBlock((new ImageBlock(), new CategoryBlock()), ImageFiles.Get, new RandomSplitter(0.2, 42), Labels.ParentFolder,
            [new RandomResizedCrop(32, 0.5)], []);
        using var learner = VisionLearner.Create(block.DataLoaders(data, batchSize: 16, seed: 42), Arch.ResNet18, seed: 42);
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

    /// <summary>A hash of the recipe, every sample file (name and bytes) and the training and decoding code (their assemblies' MVIDs).</summary>
    static string Key(string data)
    {
        var text = new StringBuilder(Recipe);
        text.Append('|').Append(typeof(VisionLearner).Assembly.ManifestModule.ModuleVersionId).Append('|').Append(typeof(ImageFiles).Assembly.ManifestModule.ModuleVersionId);
        foreach (string file in ImageFiles.Get(data).Order(StringComparer.Ordinal))
            text.Append('|').Append(Path.GetRelativePath(data, file)).Append(':').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>An exclusive lock on <paramref name="path"/> (flock on Linux, released if the holder dies), waiting for whoever holds it.</summary>
    static FileStream Lock(string path)
    {
        // Only a guard: training takes well under this even on a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(20);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    sealed record SavedValidation(IReadOnlyList<string> Vocab, float[][] Probabilities, int[] Targets, float[] Losses, IReadOnlyList<string> Paths);
}
