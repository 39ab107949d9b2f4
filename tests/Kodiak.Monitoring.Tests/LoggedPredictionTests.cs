namespace Kodiak.Monitoring.Tests;

public sealed class LoggedPredictionTests
{
    [Fact]
    public void Confidence_is_the_predicted_class_probability()
    {
        var row = new LoggedPrediction(DateTimeOffset.UnixEpoch, "r1", "bears", "abc", "primary", "grizzly",
            new Dictionary<string, float> { ["black"] = 0.2f, ["grizzly"] = 0.7f, ["teddy"] = 0.1f }, null, null, 12.5, null, "00", null);

        Assert.Equal(0.7f, row.Confidence);
    }
}
