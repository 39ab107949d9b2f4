namespace Kodiak.Vision.Tests;

public sealed class CrossEntropyTests
{
    [Fact]
    public void The_loss_is_minus_ln_p_and_stays_finite_for_a_class_given_nothing()
    {
        Assert.Equal(0, CrossEntropy.FromProbability(1));
        Assert.Equal(Math.Log(4), CrossEntropy.FromProbability(0.25), 12);
        Assert.Equal(-Math.Log(CrossEntropy.MinProbability), CrossEntropy.FromProbability(0));
        Assert.True(double.IsFinite(CrossEntropy.FromProbability(0)));
    }
}
