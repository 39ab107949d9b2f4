namespace Kodiak.Training.Learn;

/// <summary>Saves a checkpoint (<see cref="Learner.SaveCheckpoint"/>) after every finished epoch. Added by <see cref="Learner.CheckpointPath"/>.</summary>
/// <param name="path">The checkpoint file.</param>
public sealed class CheckpointCallback(string path) : ILearnerCallback
{
    /// <summary>The checkpoint file.</summary>
    public string Path { get; } = path;

    /// <summary>After the recorder, so that the checkpoint holds the epoch's row.</summary>
    public int Order => 70;

    /// <inheritdoc/>
    public void AfterEpoch(TrainingState state) => state.Learner.SaveCheckpoint(Path);
}
