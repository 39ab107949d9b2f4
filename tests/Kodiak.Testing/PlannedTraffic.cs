using Kodiak.Monitoring;

namespace Kodiak.Testing;

/// <summary>Logged predictions made to plan: so many per hour, each class drawn at chosen shares (seeded, so every run is the same).</summary>
public static class PlannedTraffic
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] Classes = ["black", "grizzly", "teddy"];

    /// <summary>A baseline of equal shares.</summary>
    public static MonitorBaseline EvenBaseline => new(Classes.ToDictionary(c => c, _ => 1.0 / Classes.Length), "planned");

    /// <summary><paramref name="perHour"/> rows in each of <paramref name="hours"/> hours from <paramref name="start"/>, spread evenly over each hour.</summary>
    /// <param name="shares">Each hour's class shares (in <see cref="Classes"/> order).</param>
    /// <param name="outOfDomain">Each hour's chance that a row is flagged out of domain; null: the model has no calibration.</param>
    /// <param name="confidence">Each hour's probability of the predicted class.</param>
    public static List<LoggedPrediction> Rows(DateTimeOffset start, int hours, int perHour, Func<int, double[]> shares,
        Func<int, double>? outOfDomain = null, Func<int, float>? confidence = null, int seed = 42)
    {
        var random = new Random(seed);
        var rows = new List<LoggedPrediction>();
        for (int hour = 0; hour < hours; hour++)
        {
            double[] p = shares(hour);
            for (int i = 0; i < perHour; i++)
            {
                var time = start + TimeSpan.FromHours(hour) + TimeSpan.FromHours((double)i / perHour);
                string label = Draw(random, p);
                bool? ood = outOfDomain is null ? null : random.NextDouble() < outOfDomain(hour);
                rows.Add(Row(time, label, confidence?.Invoke(hour) ?? 0.9f, ood, latencyMs: 10 + random.Next(0, 20), id: rows.Count));
            }
        }

        return rows;
    }

    /// <summary>Steady traffic: every class at an equal share.</summary>
    public static List<LoggedPrediction> Steady(int hours, int perHour, int seed = 42) =>
        Rows(Start, hours, perHour, _ => [1 / 3.0, 1 / 3.0, 1 / 3.0], seed: seed);

    public static LoggedPrediction Row(DateTimeOffset time, string label, float confidence = 0.9f, bool? outOfDomain = null, double latencyMs = 12,
        int id = 0, string model = "bears", string role = "primary")
    {
        float rest = (1 - confidence) / (Classes.Length - 1);
        var probabilities = Classes.ToDictionary(c => c, c => c == label ? confidence : rest);
        return new LoggedPrediction(time, $"r{id}", model, "abc", role, label, probabilities, outOfDomain is null ? null : outOfDomain.Value ? 9.0 : 1.0,
            outOfDomain, latencyMs, null, "00", null);
    }

    static string Draw(Random random, double[] shares)
    {
        double u = random.NextDouble();
        for (int i = 0; i < shares.Length - 1; i++)
        {
            if ((u -= shares[i]) < 0)
                return Classes[i];
        }

        return Classes[^1];
    }
}
