using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Kodiak.Monitoring;

/// <summary>The review queue's half of the log: table <c>review_items</c>, one row per queued prediction with its image.</summary>
internal abstract partial class SqlPredictionLog
{
    const string ItemColumns = "id, time_us, request_id, model_id, model_version, label, probabilities, ood_score, ood, reasons, image_sha256, status, reviewed_label, reviewer, reviewed_us";

    public async Task AddAsync(IReadOnlyList<ReviewItem> items, CancellationToken cancellation = default)
    {
        if (items.Count == 0)
            return;
        await using var connection = await ConnectAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        foreach (var item in items)
        {
            await using var insert = Command(connection, transaction, """
                INSERT INTO review_items (time_us, request_id, model_id, model_version, label, probabilities, ood_score, ood, reasons, image_sha256, image, status)
                VALUES (@time, @request, @model, @version, @label, @probabilities, @score, @ood, @reasons, @sha, @image, @status)
                """);
            Parameter(insert, "time", Microseconds(item.Time));
            Parameter(insert, "request", item.RequestId);
            Parameter(insert, "model", item.ModelId);
            Parameter(insert, "version", item.ModelVersion);
            Parameter(insert, "label", item.Label);
            Parameter(insert, "probabilities", JsonSerializer.Serialize(item.Probabilities));
            Parameter(insert, "score", item.OutOfDomainScore);
            Parameter(insert, "ood", item.OutOfDomain is { } ood ? (short)(ood ? 1 : 0) : null);
            Parameter(insert, "reasons", (int)item.Reasons);
            Parameter(insert, "sha", item.ImageSha256);
            Parameter(insert, "image", item.Image.ToArray());
            Parameter(insert, "status", StatusName(ReviewStatus.Pending));
            await insert.ExecuteNonQueryAsync(cancellation);
        }

        await transaction.CommitAsync(cancellation);
    }

    public async Task<IReadOnlyList<ReviewItem>> PendingAsync(int skip, int take, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        await using var connection = await ConnectAsync(cancellation);
        await using var select = Command(connection, null,
            $"SELECT {ItemColumns} FROM review_items WHERE status = @status ORDER BY id LIMIT {take.ToString(CultureInfo.InvariantCulture)} OFFSET {skip.ToString(CultureInfo.InvariantCulture)}");
        Parameter(select, "status", StatusName(ReviewStatus.Pending));
        var items = new List<ReviewItem>();
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            items.Add(Item(reader));
        return items;
    }

    public async Task<long> CountPendingAsync(CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var count = Command(connection, null, "SELECT count(*) FROM review_items WHERE status = @status");
        Parameter(count, "status", StatusName(ReviewStatus.Pending));
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellation), CultureInfo.InvariantCulture);
    }

    public async Task<ReviewItem?> GetAsync(long id, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var select = Command(connection, null, $"SELECT {ItemColumns}, image FROM review_items WHERE id = @id");
        Parameter(select, "id", id);
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? Item(reader) with { Image = (byte[])reader.GetValue(15) } : null;
    }

    public async Task<ReviewOutcome> ReviewAsync(long id, ReviewStatus status, string? label, string reviewer, DateTimeOffset time,
        CancellationToken cancellation = default)
    {
        if (status == ReviewStatus.Pending)
            throw new ArgumentException("A review confirms, corrects or says none of these; it cannot make an item pending.", nameof(status));
        await using var connection = await ConnectAsync(cancellation);
        // One statement, conditional on the item being pending: of two reviews at once, exactly one wins.
        await using var update = Command(connection, null, """
            UPDATE review_items SET status = @status, reviewed_label = @label, reviewer = @reviewer, reviewed_us = @time
            WHERE id = @id AND status = @pending
            """);
        Parameter(update, "status", StatusName(status));
        Parameter(update, "label", label);
        Parameter(update, "reviewer", reviewer);
        Parameter(update, "time", Microseconds(time));
        Parameter(update, "id", id);
        Parameter(update, "pending", StatusName(ReviewStatus.Pending));
        if (await update.ExecuteNonQueryAsync(cancellation) == 1)
            return ReviewOutcome.Reviewed;
        await using var exists = Command(connection, null, "SELECT count(*) FROM review_items WHERE id = @id");
        Parameter(exists, "id", id);
        return Convert.ToInt64(await exists.ExecuteScalarAsync(cancellation), CultureInfo.InvariantCulture) > 0 ? ReviewOutcome.AlreadyReviewed : ReviewOutcome.NotFound;
    }

    public async IAsyncEnumerable<ReviewItem> ReviewedAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var select = Command(connection, null, $"SELECT {ItemColumns}, image FROM review_items WHERE status <> @pending ORDER BY reviewed_us, id");
        Parameter(select, "pending", StatusName(ReviewStatus.Pending));
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            yield return Item(reader) with { Image = (byte[])reader.GetValue(15) };
    }

    public async Task<IReadOnlyList<ReviewItem>> ReviewedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var select = Command(connection, null,
            $"SELECT {ItemColumns} FROM review_items WHERE status <> @pending AND time_us >= @from AND time_us < @to ORDER BY time_us, id");
        Parameter(select, "pending", StatusName(ReviewStatus.Pending));
        Parameter(select, "from", Microseconds(from));
        Parameter(select, "to", Microseconds(to));
        var items = new List<ReviewItem>();
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            items.Add(Item(reader));
        return items;
    }

    public async Task<ReviewAccuracy> AccuracyAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var count = Command(connection, null,
            "SELECT status, count(*) FROM review_items WHERE status <> @pending AND time_us >= @from AND time_us < @to"
            + (modelId is null ? "" : " AND model_id = @model") + " GROUP BY status");
        Parameter(count, "pending", StatusName(ReviewStatus.Pending));
        Parameter(count, "from", Microseconds(from));
        Parameter(count, "to", Microseconds(to));
        if (modelId is not null)
            Parameter(count, "model", modelId);
        long reviewed = 0, correct = 0;
        await using var reader = await count.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            long n = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            reviewed += n;
            if (ParseStatus(reader.GetString(0)) == ReviewStatus.Confirmed)
                correct += n;
        }

        return ReviewAccuracy.Of(correct, reviewed);
    }

    /// <summary>The status as stored: lower-case with a dash (<c>none-of-these</c>), as the JSON API spells it.</summary>
    static string StatusName(ReviewStatus status) => status switch
    {
        ReviewStatus.Pending => "pending",
        ReviewStatus.Confirmed => "confirmed",
        ReviewStatus.Corrected => "corrected",
        ReviewStatus.NoneOfThese => "none-of-these",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Not a review status."),
    };

    static ReviewStatus ParseStatus(string name) => name switch
    {
        "confirmed" => ReviewStatus.Confirmed,
        "corrected" => ReviewStatus.Corrected,
        "none-of-these" => ReviewStatus.NoneOfThese,
        _ => ReviewStatus.Pending,
    };

    static ReviewItem Item(DbDataReader reader) => new(
        reader.GetInt64(0), FromMicroseconds(reader.GetInt64(1)),
        reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        JsonSerializer.Deserialize<Dictionary<string, float>>(reader.GetString(6)) ?? [],
        reader.IsDBNull(7) ? null : reader.GetDouble(7),
        reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture) != 0,
        (ReviewReasons)Convert.ToInt32(reader.GetValue(9), CultureInfo.InvariantCulture),
        reader.GetString(10),
        ParseStatus(reader.GetString(11)),
        reader.IsDBNull(12) ? null : reader.GetString(12),
        reader.IsDBNull(13) ? null : reader.GetString(13),
        reader.IsDBNull(14) ? null : FromMicroseconds(reader.GetInt64(14)));
}
