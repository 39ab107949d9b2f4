using Kodiak.Training.Optimisation;
namespace Kodiak.Training.Tests.Optimisation;

public sealed class OneCycleScheduleTests
{
    private const double LrMax = 1e-3;

    [Fact]
    public void Starts_low_with_high_momentum()
    {
        var s = new OneCycleSchedule(100);
        Assert.Equal(LrMax / 25, s.Lr(LrMax, 0), 1e-15);
        Assert.Equal(0.95, s.Momentum(0), 1e-12);
    }

    [Fact]
    public void Peaks_at_the_end_of_the_warm_up()
    {
        var s = new OneCycleSchedule(100, pctStart: 0.25);
        Assert.Equal(LrMax, s.Lr(LrMax, 25), 1e-15);
        Assert.Equal(0.85, s.Momentum(25), 1e-12);
    }

    [Fact]
    public void Warm_up_midpoint_is_the_cosine_midpoint()
    {
        var s = new OneCycleSchedule(100, pctStart: 0.2);
        Assert.Equal((LrMax / 25 + LrMax) / 2, s.Lr(LrMax, 10), 1e-15);
        Assert.Equal(0.9, s.Momentum(10), 1e-12);
    }

    [Fact]
    public void Ends_near_lr_max_over_div_final_with_momentum_back_up()
    {
        var s = new OneCycleSchedule(1000);
        // The last step sits at position 999/1000, one step short of the final value: lr is still
        // about lrMax * (pi / 750)^2 / 4 above it.
        Assert.Equal(LrMax / 1e5, s.Lr(LrMax, 999), 5e-9);
        Assert.Equal(0.95, s.Momentum(999), 1e-5);
        Assert.Equal(LrMax / 1e5, s.Lr(LrMax, 1000), 1e-15);
        Assert.Equal(0.95, s.Momentum(1000), 1e-12);
    }

    [Fact]
    public void Is_monotonic_in_each_phase()
    {
        var s = new OneCycleSchedule(200, pctStart: 0.3);
        for (int i = 1; i <= 60; i++)
        {
            Assert.True(s.Lr(LrMax, i) > s.Lr(LrMax, i - 1), $"lr not rising at {i}");
            Assert.True(s.Momentum(i) < s.Momentum(i - 1), $"momentum not falling at {i}");
        }
        for (int i = 61; i <= 200; i++)
        {
            Assert.True(s.Lr(LrMax, i) < s.Lr(LrMax, i - 1), $"lr not falling at {i}");
            Assert.True(s.Momentum(i) > s.Momentum(i - 1), $"momentum not rising at {i}");
        }
    }

    [Fact]
    public void Honours_custom_div_and_moms()
    {
        var s = new OneCycleSchedule(10, pctStart: 0.5, div: 10, divFinal: 100, moms: (0.9, 0.8, 0.7));
        Assert.Equal(0.1, s.Lr(1, 0), 1e-15);
        Assert.Equal(1, s.Lr(1, 5), 1e-15);
        Assert.Equal(0.01, s.Lr(1, 10), 1e-15);
        Assert.Equal(0.9, s.Momentum(0), 1e-15);
        Assert.Equal(0.8, s.Momentum(5), 1e-15);
        Assert.Equal(0.7, s.Momentum(10), 1e-15);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleSchedule(10, pctStart: 1));
        var s = new OneCycleSchedule(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Lr(1, 11));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Momentum(-1));
    }
}
