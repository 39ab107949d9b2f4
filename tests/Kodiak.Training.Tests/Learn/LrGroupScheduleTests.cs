using Kodiak.Training.Optimisation;
namespace Kodiak.Training.Tests.Learn;

public sealed class LrGroupScheduleTests
{
    [Fact]
    public void Spread_of_a_slice_is_geometric()
    {
        double[] lrs = LearningRates.Spread(1e-5, 1e-3, 3);
        Assert.Equal(3, lrs.Length);
        Assert.Equal(1e-5, lrs[0], 1e-18);
        Assert.Equal(1e-4, lrs[1], 1e-17);
        Assert.Equal(1e-3, lrs[2], 1e-16);
        Assert.Equal([1e-3], LearningRates.Spread(1e-5, 1e-3, 1));
    }

    [Fact]
    public void Lr_range_follows_fastai_set_hyper()
    {
        LrRange single = 1e-3;
        Assert.Equal([1e-3, 1e-3, 1e-3], single.ForGroups(3));
        Assert.Equal([1e-4, 1e-4, 1e-3], LrRange.UpTo(1e-3).ForGroups(3));
        Assert.Equal([1e-3], LrRange.UpTo(1e-3).ForGroups(1));
        double[] slice = new LrRange(1e-6, 1e-4).ForGroups(2);
        Assert.Equal(1e-6, slice[0], 1e-20);
        Assert.Equal(1e-4, slice[1], 1e-18);
    }
}
