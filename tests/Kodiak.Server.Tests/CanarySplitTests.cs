namespace Kodiak.Server.Tests;

public sealed class CanarySplitTests
{
    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    public void Over_2000_sources_the_canary_takes_its_share_within_3_points(double percent)
    {
        var split = new CanarySplit(percent, null);

        int taken = Enumerable.Range(0, 2000).Count(i => split.Takes(new PredictionRequest($"req-{i}", $"camera-{i}")));

        Assert.InRange(taken / 20.0, percent - 3, percent + 3);
    }

    [Fact]
    public void The_same_source_always_gets_the_same_model_whatever_the_request_id()
    {
        var split = new CanarySplit(30, null);

        foreach (int camera in Enumerable.Range(0, 200))
        {
            bool first = split.Takes(new PredictionRequest("a", $"camera-{camera}"));
            Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(first, split.Takes(new PredictionRequest($"r{i}", $"camera-{camera}"))));
        }
    }

    [Fact]
    public void Named_sources_only_go_to_the_canary()
    {
        var split = new CanarySplit(100, new HashSet<string> { "cam-3", "cam-7" });

        Assert.True(split.Takes(new PredictionRequest("r", "cam-3")));
        Assert.True(split.Takes(new PredictionRequest("r", "cam-7")));
        Assert.False(split.Takes(new PredictionRequest("r", "cam-4")));
        Assert.False(split.Takes(new PredictionRequest("r", null)));
    }

    [Fact]
    public void Requests_without_a_source_are_split_by_request_id()
    {
        var split = new CanarySplit(10, null);

        int taken = Enumerable.Range(0, 2000).Count(i => split.Takes(new PredictionRequest($"req-{i}", null)));

        Assert.InRange(taken / 20.0, 7, 13);
    }
}
