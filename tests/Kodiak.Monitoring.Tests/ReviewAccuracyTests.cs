namespace Kodiak.Monitoring.Tests;

public sealed class ReviewAccuracyTests
{
    [Fact]
    public void Eight_of_ten_confirmed_is_80_percent_with_the_Wilson_interval()
    {
        var accuracy = ReviewAccuracy.Of(8, 10);

        Assert.Equal((10, 8, 0.8), (accuracy.Reviewed, accuracy.Correct, accuracy.Accuracy!.Value));
        Assert.Equal(0.4902, accuracy.Low!.Value, 4);
        Assert.Equal(0.9433, accuracy.High!.Value, 4);
    }

    [Fact]
    public void All_confirmed_still_leaves_room_below_and_none_reviewed_says_nothing()
    {
        var all = ReviewAccuracy.Of(5, 5);

        Assert.Equal(1.0, all.High);
        Assert.InRange(all.Low!.Value, 0.5, 0.6); // 5 of 5 is no proof of perfection
        Assert.Equal(new ReviewAccuracy(0, 0, null, null, null), ReviewAccuracy.Of(0, 0));
    }
}
