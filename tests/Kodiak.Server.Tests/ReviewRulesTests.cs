using Kodiak.Monitoring;

namespace Kodiak.Server.Tests;

public sealed class ReviewRulesTests
{
    static PredictionRecord Answer(float confidence, bool? outOfDomain = null, ModelRole role = ModelRole.Primary) =>
        new("r", DateTimeOffset.UnixEpoch, "bears", "v", role, "grizzly",
            new Dictionary<string, float> { ["black"] = (1 - confidence) / 2, ["grizzly"] = confidence, ["teddy"] = (1 - confidence) / 2 },
            null, TimeSpan.Zero, null, "ab", outOfDomain is null ? null : 2.0, outOfDomain);

    [Fact]
    public void Out_of_domain_and_low_confidence_answers_are_queued_and_say_why()
    {
        var rules = new ReviewRules(below: 0.6, sample: 0, new Random(1));

        Assert.Equal(ReviewReasons.OutOfDomain, rules.Why(Answer(0.9f, outOfDomain: true)));
        Assert.Equal(ReviewReasons.LowConfidence, rules.Why(Answer(0.55f, outOfDomain: false)));
        Assert.Equal(ReviewReasons.OutOfDomain | ReviewReasons.LowConfidence, rules.Why(Answer(0.4f, outOfDomain: true)));
        Assert.Equal(ReviewReasons.None, rules.Why(Answer(0.6f, outOfDomain: false)));
        Assert.Equal(ReviewReasons.None, rules.Why(Answer(0.5f)) & ReviewReasons.OutOfDomain); // no calibration: never out of domain
    }

    [Fact]
    public void Without_a_bound_confidence_queues_nothing()
    {
        var rules = new ReviewRules(below: null, sample: 0, new Random(1));

        Assert.Equal(ReviewReasons.None, rules.Why(Answer(0.34f, outOfDomain: false)));
    }

    [Fact]
    public void The_sample_takes_its_share_of_answers_and_the_same_seed_the_same_ones()
    {
        var first = new ReviewRules(below: null, sample: 0.01, new Random(42));
        var second = new ReviewRules(below: null, sample: 0.01, new Random(42));

        var picks = Enumerable.Range(0, 20_000).Select(_ => first.Why(Answer(0.9f)) == ReviewReasons.Sample).ToList();
        var again = Enumerable.Range(0, 20_000).Select(_ => second.Why(Answer(0.9f)) == ReviewReasons.Sample).ToList();

        // 1% of 20,000 is 200, with a standard deviation of 14: 150–250 is more than three of them either side.
        Assert.InRange(picks.Count(p => p), 150, 250);
        Assert.Equal(picks, again);
    }

    [Fact]
    public void Shadow_predictions_answered_no_one_and_are_never_queued()
    {
        var rules = new ReviewRules(below: 0.6, sample: 1, new Random(1));

        Assert.Equal(ReviewReasons.None, rules.Why(Answer(0.3f, outOfDomain: true, ModelRole.Shadow)));
        Assert.Equal(ReviewReasons.Sample | ReviewReasons.LowConfidence | ReviewReasons.OutOfDomain, rules.Why(Answer(0.3f, true, ModelRole.Canary)));
    }
}
