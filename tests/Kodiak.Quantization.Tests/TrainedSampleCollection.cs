using Kodiak.Testing.Training;

namespace Kodiak.Quantization.Tests;

/// <summary>Test classes marked <c>[Collection(TrainedSampleFixture.Collection)]</c> share one <see cref="TrainedSampleFixture"/>.</summary>
[CollectionDefinition(TrainedSampleFixture.Collection)]
public sealed class TrainedSampleCollection : ICollectionFixture<TrainedSampleFixture>;
