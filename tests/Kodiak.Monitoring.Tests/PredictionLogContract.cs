using System.Data.Common;

namespace Kodiak.Monitoring.Tests;

/// <summary>What either kind of prediction log does, run against a real SQLite file and a real PostgreSQL server.</summary>
public abstract class PredictionLogContract
{
    static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Where a new, empty log goes: a file or a connection string.</summary>
    protected abstract string NewLocation();

    /// <summary>A connection to the log at <paramref name="location"/>, to set up or look at its tables by hand.</summary>
    protected abstract DbConnection Connect(string location);

    /// <summary>How the database spells an auto-numbered key, for tables made by hand.</summary>
    protected abstract string IdColumn { get; }

    static LoggedPrediction Row(DateTimeOffset time, string id, string model = "bears", string? source = null, double? ood = null) =>
        new(time, id, model, "sha-" + model, "primary", "grizzly",
            new Dictionary<string, float> { ["black"] = 0.25f, ["grizzly"] = 0.7f, ["teddy"] = 0.05f },
            ood, ood is { } s ? s > 1 : null, 12.25, source, "ab12", source is null ? null : "/kept/ab12.jpg");

    [Fact]
    public async Task Rows_come_back_whole_and_in_time_order()
    {
        await using var log = PredictionLog.Open(NewLocation());
        var written = new[]
        {
            Row(T0.AddSeconds(2), "c", source: "camera-1", ood: 3.5),
            Row(T0, "a"),
            Row(T0.AddSeconds(1).AddTicks(10), "b", ood: 0.5),
        };
        await log.WriteAsync(written);

        var read = await log.ReadAsync(T0, T0.AddMinutes(1)).ToListAsync();

        Assert.Equal(["a", "b", "c"], read.Select(r => r.RequestId));
        foreach (var row in read)
        {
            var expected = written.Single(w => w.RequestId == row.RequestId);
            Assert.Equal(expected with { Probabilities = row.Probabilities }, row);
            Assert.Equal(expected.Probabilities, row.Probabilities);
            Assert.Equal(["black", "grizzly", "teddy"], row.Probabilities.Keys); // the model's class order
        }

        Assert.Equal(TimeSpan.Zero, read[0].Time.Offset);
    }

    [Fact]
    public async Task Reading_takes_the_range_model_and_source_asked_for_and_counts_agree()
    {
        await using var log = PredictionLog.Open(NewLocation());
        await log.WriteAsync([.. Enumerable.Range(0, 30).Select(i => Row(T0.AddMinutes(i), $"r{i}", i % 3 == 0 ? "cats" : "bears", i % 2 == 0 ? "shop" : null))]);

        var minutes10To20 = await log.ReadAsync(T0.AddMinutes(10), T0.AddMinutes(20)).ToListAsync();
        var cats = await log.ReadAsync(T0, T0.AddHours(1), modelId: "cats").ToListAsync();
        var shopBears = await log.ReadAsync(T0, T0.AddHours(1), modelId: "bears", sourceId: "shop").ToListAsync();

        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"r{i}"), minutes10To20.Select(r => r.RequestId));
        Assert.Equal(10, cats.Count);
        Assert.All(cats, r => Assert.Equal("cats", r.ModelId));
        Assert.Equal(10, shopBears.Count);
        Assert.All(shopBears, r => Assert.Equal(("bears", "shop"), (r.ModelId, r.SourceId)));
        Assert.Equal(10, await log.CountAsync(T0.AddMinutes(10), T0.AddMinutes(20)));
        Assert.Equal(10, await log.CountAsync(T0, T0.AddHours(1), modelId: "cats"));
        Assert.Equal(10, await log.CountAsync(T0, T0.AddHours(1), "bears", "shop"));
        Assert.Equal(0, await log.CountAsync(T0.AddHours(1), T0.AddHours(2)));
    }

    [Fact]
    public async Task A_batch_larger_than_one_statement_is_written_whole()
    {
        await using var log = PredictionLog.Open(NewLocation());
        await log.WriteAsync([.. Enumerable.Range(0, 1000).Select(i => Row(T0.AddMilliseconds(i), $"r{i}"))]);

        Assert.Equal(1000, await log.CountAsync(T0, T0.AddHours(1)));
    }

    [Fact]
    public async Task Retention_deletes_only_the_older_rows()
    {
        await using var log = PredictionLog.Open(NewLocation());
        await log.WriteAsync([Row(T0.AddDays(-40), "old"), Row(T0.AddDays(-31), "older-than-30"), Row(T0.AddDays(-29), "kept"), Row(T0, "new")]);

        long deleted = await log.DeleteOlderThanAsync(T0.AddDays(-30));

        Assert.Equal(2, deleted);
        Assert.Equal(["kept", "new"], (await log.ReadAsync(DateTimeOffset.UnixEpoch, T0.AddDays(1)).ToListAsync()).Select(r => r.RequestId));
    }

    [Fact]
    public async Task Opening_again_keeps_the_rows()
    {
        string location = NewLocation();
        await using (var log = PredictionLog.Open(location))
            await log.WriteAsync([Row(T0, "a")]);

        await using var again = PredictionLog.Open(location);

        Assert.Equal(1, await again.CountAsync(T0, T0.AddSeconds(1)));
    }

    [Fact]
    public async Task A_version_1_log_is_migrated_and_keeps_its_rows()
    {
        string location = NewLocation();
        // The first layout, before out-of-domain scores, as an older Kodiak wrote it.
        Execute(location,
            "CREATE TABLE kodiak_log_schema (version INTEGER NOT NULL)",
            "INSERT INTO kodiak_log_schema (version) VALUES (1)",
            $"""
            CREATE TABLE predictions (id {IdColumn}, time_us BIGINT NOT NULL, request_id TEXT NOT NULL, model_id TEXT NOT NULL,
                model_version TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL, probabilities TEXT NOT NULL, latency_ms DOUBLE PRECISION NOT NULL,
                source_id TEXT, image_sha256 TEXT NOT NULL, image_path TEXT)
            """,
            $"""
            INSERT INTO predictions (time_us, request_id, model_id, model_version, role, label, probabilities, latency_ms, source_id, image_sha256)
            VALUES ({T0.ToUnixTimeMilliseconds() * 1000}, 'old', 'bears', 'v1', 'primary', 'teddy', '{"{"}"teddy":0.9,"grizzly":0.1{"}"}', 7.5, NULL, 'ff')
            """,
            // The same id again, as trace ids that restarted with the process gave it: kept, under an id made unique.
            $"""
            INSERT INTO predictions (time_us, request_id, model_id, model_version, role, label, probabilities, latency_ms, source_id, image_sha256)
            VALUES ({T0.ToUnixTimeMilliseconds() * 1000}, 'old', 'bears', 'v1', 'primary', 'grizzly', '{"{"}"teddy":0.2,"grizzly":0.8{"}"}', 8.5, NULL, 'ee')
            """);

        await using var log = PredictionLog.Open(location);
        await log.WriteAsync([Row(T0.AddSeconds(1), "new", ood: 2.5)]);
        var rows = await log.ReadAsync(T0, T0.AddMinutes(1)).ToListAsync();

        Assert.Equal(SqlPredictionLog.SchemaVersion, Scalar(location, "SELECT version FROM kodiak_log_schema"));
        Assert.Equal(["old", "old#2", "new"], rows.Select(r => r.RequestId));
        Assert.Equal(("teddy", 0.9f, (double?)null, (bool?)null, 7.5), (rows[0].Label, rows[0].Confidence, rows[0].OutOfDomainScore, rows[0].OutOfDomain, rows[0].LatencyMs));
        Assert.Equal(("grizzly", 8.5), (rows[1].Label, rows[1].LatencyMs));
        Assert.Equal((2.5, true), (rows[2].OutOfDomainScore, rows[2].OutOfDomain));
    }

    [Fact]
    public async Task A_request_id_is_logged_once_per_role_however_often_it_is_written()
    {
        await using var log = PredictionLog.Open(NewLocation());
        await log.WriteAsync([Row(T0, "a"), Row(T0, "b")]);
        // A retrying proxy sent "a" to a second replica, which logs it again, in a batch with a new request and a repeat of its own.
        await log.WriteAsync([Row(T0.AddSeconds(1), "a", model: "cats"), Row(T0.AddSeconds(1), "c"), Row(T0.AddSeconds(1), "c"),
            Row(T0.AddSeconds(1), "a") with { Role = "shadow" }]);

        var rows = await log.ReadAsync(T0, T0.AddMinutes(1)).ToListAsync();

        Assert.Equal([("a", "primary", "bears"), ("b", "primary", "bears"), ("c", "primary", "bears"), ("a", "shadow", "bears")],
            rows.Select(r => (r.RequestId, r.Role, r.ModelId)));
    }

    [Fact]
    public async Task A_log_from_a_newer_Kodiak_is_refused_untouched()
    {
        string location = NewLocation();
        await PredictionLog.Open(location).DisposeAsync();
        Execute(location, $"UPDATE kodiak_log_schema SET version = {SqlPredictionLog.SchemaVersion + 1}");

        var error = Assert.Throws<InvalidDataException>(() => PredictionLog.Open(location));

        Assert.Contains("newer Kodiak", error.Message);
        Assert.Equal(SqlPredictionLog.SchemaVersion + 1, Scalar(location, "SELECT version FROM kodiak_log_schema"));
    }

    static ReviewItem Item(DateTimeOffset time, string id, ReviewReasons reasons = ReviewReasons.Sample) =>
        new(0, time, id, "bears", "sha-bears", "grizzly", new Dictionary<string, float> { ["black"] = 0.3f, ["grizzly"] = 0.6f, ["teddy"] = 0.1f },
            1.5, true, reasons, "ab12")
        { Image = new byte[] { 0xFF, 0xD8, 0xFF, 1, 2, 3 } };

    [Fact]
    public async Task Queued_items_come_back_pending_then_reviewed_once_and_survive_reopening()
    {
        string location = NewLocation();
        await using (var queue = PredictionLog.OpenReviewQueue(location))
            await queue.AddAsync([Item(T0, "a", ReviewReasons.OutOfDomain | ReviewReasons.LowConfidence), Item(T0.AddSeconds(1), "b"), Item(T0.AddSeconds(2), "c")]);

        await using var again = PredictionLog.OpenReviewQueue(location);
        var pending = await again.PendingAsync(0, 10);
        var page2 = await again.PendingAsync(2, 10);
        var first = await again.ReviewAsync(pending[0].Id, ReviewStatus.Corrected, "black", "ana", T0.AddHours(1));
        var twice = await again.ReviewAsync(pending[0].Id, ReviewStatus.Confirmed, "grizzly", "bo", T0.AddHours(2));
        var unknown = await again.ReviewAsync(pending[^1].Id + 100, ReviewStatus.Confirmed, "grizzly", "bo", T0.AddHours(2));
        var reviewed = await again.ReviewedAsync().ToListAsync();

        Assert.Equal(["a", "b", "c"], pending.Select(i => i.RequestId));
        Assert.Equal(["c"], page2.Select(i => i.RequestId));
        Assert.Equal(ReviewReasons.OutOfDomain | ReviewReasons.LowConfidence, pending[0].Reasons);
        Assert.True(pending[0].Image.IsEmpty);
        Assert.Equal((ReviewOutcome.Reviewed, ReviewOutcome.AlreadyReviewed, ReviewOutcome.NotFound), (first, twice, unknown));
        var item = Assert.Single(reviewed);
        Assert.Equal((ReviewStatus.Corrected, "black", "ana", T0.AddHours(1)), (item.Status, item.ReviewedLabel, item.Reviewer, item.ReviewedAt));
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 1, 2, 3 }, item.Image.ToArray());
        Assert.Equal(2, await again.CountPendingAsync());
        Assert.Equal(ReviewAccuracy.Of(0, 1), await again.AccuracyAsync(T0, T0.AddMinutes(1)));
        Assert.Equal(ReviewAccuracy.Of(0, 0), await again.AccuracyAsync(T0, T0.AddMinutes(1), modelId: "cats"));
    }

    [Fact]
    public async Task Retention_deletes_old_queued_items_so_a_late_review_finds_none()
    {
        string location = NewLocation();
        await using var log = PredictionLog.Open(location);
        await using var queue = PredictionLog.OpenReviewQueue(location);
        await queue.AddAsync([Item(T0.AddDays(-40), "old"), Item(T0, "new")]);
        var old = (await queue.PendingAsync(0, 10))[0];

        await log.DeleteOlderThanAsync(T0.AddDays(-30));

        Assert.Equal(ReviewOutcome.NotFound, await queue.ReviewAsync(old.Id, ReviewStatus.Confirmed, "grizzly", "ana", T0));
        Assert.Equal(["new"], (await queue.PendingAsync(0, 10)).Select(i => i.RequestId));
    }

    void Execute(string location, params string[] statements)
    {
        using var connection = Connect(location);
        connection.Open();
        foreach (string sql in statements)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    long Scalar(string location, string sql)
    {
        using var connection = Connect(location);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
