using Kodiak.Training.Learn;
namespace Kodiak.Training.Tests.Learn;

// The only tests that read or set this process-wide setting: their own class runs them one after the other.
public sealed class TrainingMemoryTests
{
    [Fact]
    public void Creating_a_learner_leaves_reuse_off_and_it_can_be_turned_on_and_off_again()
    {
        using var temp = new Kodiak.Testing.TempFolder();
        using (TinyLearner.Create(temp))
            Assert.False(TrainingMemory.ReuseLargeBlocks);

        try
        {
            TrainingMemory.ReuseLargeBlocks = true;
            Assert.Equal(OperatingSystem.IsLinux(), TrainingMemory.ReuseLargeBlocks);
        }
        finally
        {
            TrainingMemory.ReuseLargeBlocks = false;
        }
        Assert.False(TrainingMemory.ReuseLargeBlocks);
    }
}
