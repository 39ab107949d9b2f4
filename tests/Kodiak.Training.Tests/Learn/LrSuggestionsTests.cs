using Kodiak.Training.Learn;
namespace Kodiak.Training.Tests.Learn;

public sealed class LrSuggestionsTests
{
    // A textbook finder curve: flat, then falling steeply, a minimum, then exploding.
    static readonly double[] Lrs = [.. Enumerable.Range(0, 9).Select(i => Math.Pow(10, i - 6))];
    static readonly double[] Losses = [2.0, 2.0, 1.9, 1.5, 0.8, 0.6, 0.5, 0.9, 3.0];

    [Fact]
    public void Steep_is_where_the_loss_falls_fastest()
    {
        // 1.5 → 0.8 between 1e-3 and 1e-2 is the biggest drop per decade.
        Assert.Equal(1e-3, LrSuggestions.Steep(Lrs, Losses), 15);
    }

    [Fact]
    public void Minimum_is_a_tenth_of_the_rate_at_the_lowest_loss()
    {
        Assert.Equal(1e-1, LrSuggestions.MinimumOverTen(Lrs, Losses), 15);
    }

    [Fact]
    public void Valley_lies_inside_the_longest_falling_stretch()
    {
        // The longest strictly falling run, 2.0 1.9 1.5 0.8 0.6 0.5, is 6 long and ends at index 6, so it
        // starts at 0 in fastai's arithmetic; thirds of 2 → index 0 + 2 + 1 = 3.
        Assert.Equal(1e-3, LrSuggestions.Valley(Lrs, Losses), 15);
    }
}
