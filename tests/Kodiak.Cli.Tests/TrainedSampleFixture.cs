using Kodiak.Testing;
using Kodiak.Training;

namespace Kodiak.Cli.Tests;

/// <summary>
/// Trains on the bundled sample once, as <c>kodiak train</c> does (32 px, random-crop sizing), exports the bundle
/// and keeps the training process's own validation predictions.
/// </summary>
public sealed class TrainedSampleFixture : IDisposable
{
    /// <summary>The test collection that shares one trained sample (training takes a few seconds).</summary>
    public const string Collection = "trained sample";

    readonly TempFolder _temp = new();

    public TrainedSampleFixture()
    {
        Data = Path.Combine(AppContext.BaseDirectory, "samples", "clipart");
        var dls = ImageDataLoaders.FromFolder(Data, validPct: 0.2, seed: 42, itemTransforms: [FolderData.Sizing("random-crop", 32, 0.5)], batchSize: 16);
        using var learner = VisionLearner.Create(dls, Arch.ResNet18, seed: 42);
        learner.FitOneCycle(1, 1e-2);
        Bundle = Path.Combine(_temp.Path, "model.kodiak");
        learner.Export(Bundle);
        Validation = learner.GetPreds();
    }

    public string Data { get; }

    public string Bundle { get; }

    public ClassificationInterpretation Validation { get; }

    public string Temp => _temp.Path;

    public void Dispose() => _temp.Dispose();
}

/// <summary>Test classes marked <c>[Collection(TrainedSampleFixture.Collection)]</c> share one <see cref="TrainedSampleFixture"/>.</summary>
[CollectionDefinition(TrainedSampleFixture.Collection)]
public sealed class TrainedSampleCollection : ICollectionFixture<TrainedSampleFixture>;
