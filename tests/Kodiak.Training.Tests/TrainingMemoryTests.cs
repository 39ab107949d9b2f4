namespace Kodiak.Training.Tests;

// Reads and sets a process-wide setting that other learner tests rely on.
[Collection(nameof(TorchRandomState))]
public sealed class TrainingMemoryTests
{
    [Fact]
    public void Creating_a_learner_turns_reuse_on_and_it_can_be_turned_off_and_on_again()
    {
        using var temp = new Kodiak.Testing.TempFolder();
        using (TinyLearner.Create(temp))
            Assert.True(TrainingMemory.ReuseLargeBlocks);

        try
        {
            TrainingMemory.ReuseLargeBlocks = false;
            Assert.False(TrainingMemory.ReuseLargeBlocks);
            using (TinyLearner.Create(temp))
                Assert.False(TrainingMemory.ReuseLargeBlocks); // a choice made before is kept
        }
        finally
        {
            TrainingMemory.ReuseLargeBlocks = true;
        }
        Assert.True(TrainingMemory.ReuseLargeBlocks);
    }
}
