using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Kodiak.Monitoring;

/// <summary>
/// The log over ADO.NET, the same tables in either database: <c>predictions</c> (one row per <see cref="LoggedPrediction"/>,
/// time in microseconds since 1970 UTC, probabilities as JSON) and <c>kodiak_log_schema</c> (the schema version).
/// With <c>review_items</c> (schema 3) it is the <see cref="IReviewQueue"/> too, the image bytes in the row.
/// The subclasses give connections and the few statements the two dialects spell differently.
/// </summary>
internal abstract partial class SqlPredictionLog : IPredictionLog, IReviewQueue
{
    /// <summary>
    /// The schema this code writes. 1: the first layout; 2: out-of-domain score and flag; 3: the review queue; 4: one row per
    /// request id and role (a request a retrying proxy sent to two replicas is logged once).
    /// </summary>
    public const int SchemaVersion = 4;

    /// <summary>The columns written and read, in this order.</summary>
    const string Columns = "time_us, request_id, model_id, model_version, role, label, probabilities, ood_score, ood, latency_ms, source_id, image_sha256, image_path";

    const int ColumnCount = 13;

    /// <summary>Rows per INSERT statement: one round trip each, well under either database's limit of parameters.</summary>
    const int RowsPerStatement = 200;

    public abstract string Description { get; }

    /// <summary>The id column's type: an auto-numbered primary key.</summary>
    protected abstract string IdColumn { get; }

    /// <summary>The column type for bytes.</summary>
    protected abstract string BlobColumn { get; }

    /// <summary>The statement, if any, that makes the migration transaction exclusive against other processes opening the same log.</summary>
    protected abstract string? MigrationLock { get; }

    /// <summary>An open connection.</summary>
    protected abstract Task<DbConnection> ConnectAsync(CancellationToken cancellation);

    /// <summary>True when the table exists.</summary>
    protected abstract Task<bool> TableExistsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellation);

    public abstract void Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose(); // both close pooled connections only, at once
        return ValueTask.CompletedTask;
    }

    /// <summary>Creates the tables, or brings older ones to <see cref="SchemaVersion"/>, in one transaction.</summary>
    /// <exception cref="InvalidDataException">The log was written by a newer Kodiak.</exception>
    public void Migrate() => MigrateAsync(CancellationToken.None).GetAwaiter().GetResult();

    async Task MigrateAsync(CancellationToken cancellation)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        if (MigrationLock is { } lockStatement)
            await ExecuteAsync(connection, transaction, lockStatement, cancellation);
        int version = 0;
        if (await TableExistsAsync(connection, transaction, "kodiak_log_schema", cancellation))
        {
            await using var read = Command(connection, transaction, "SELECT max(version) FROM kodiak_log_schema");
            version = await read.ExecuteScalarAsync(cancellation) is { } v and not DBNull ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        else
        {
            await ExecuteAsync(connection, transaction, "CREATE TABLE kodiak_log_schema (version INTEGER NOT NULL)", cancellation);
        }

        if (version > SchemaVersion)
            throw new InvalidDataException($"The prediction log {Description} has schema version {version}, written by a newer Kodiak; this one knows up to {SchemaVersion}.");
        if (version == SchemaVersion)
            return;

        foreach (string step in Steps(version))
            await ExecuteAsync(connection, transaction, step, cancellation);
        await ExecuteAsync(connection, transaction, "DELETE FROM kodiak_log_schema", cancellation);
        await ExecuteAsync(connection, transaction, $"INSERT INTO kodiak_log_schema (version) VALUES ({SchemaVersion})", cancellation);
        await transaction.CommitAsync(cancellation);
    }

    /// <summary>The statements from schema <paramref name="version"/> (0: no log yet) to <see cref="SchemaVersion"/>.</summary>
    IEnumerable<string> Steps(int version)
    {
        if (version == 0)
        {
            yield return $"""
                CREATE TABLE predictions (
                    id {IdColumn},
                    time_us BIGINT NOT NULL,
                    request_id TEXT NOT NULL,
                    model_id TEXT NOT NULL,
                    model_version TEXT NOT NULL,
                    role TEXT NOT NULL,
                    label TEXT NOT NULL,
                    probabilities TEXT NOT NULL,
                    ood_score DOUBLE PRECISION,
                    ood SMALLINT,
                    latency_ms DOUBLE PRECISION NOT NULL,
                    source_id TEXT,
                    image_sha256 TEXT NOT NULL,
                    image_path TEXT)
                """;
            yield return "CREATE INDEX predictions_time ON predictions (time_us)";
            yield return "CREATE INDEX predictions_model_time ON predictions (model_id, time_us)";
        }
        else if (version < 2)
        {
            yield return "ALTER TABLE predictions ADD COLUMN ood_score DOUBLE PRECISION";
            yield return "ALTER TABLE predictions ADD COLUMN ood SMALLINT";
        }

        if (version < 3)
        {
            yield return $"""
                CREATE TABLE review_items (
                    id {IdColumn},
                    time_us BIGINT NOT NULL,
                    request_id TEXT NOT NULL,
                    model_id TEXT NOT NULL,
                    model_version TEXT NOT NULL,
                    label TEXT NOT NULL,
                    probabilities TEXT NOT NULL,
                    ood_score DOUBLE PRECISION,
                    ood SMALLINT,
                    reasons INTEGER NOT NULL,
                    image_sha256 TEXT NOT NULL,
                    image {BlobColumn} NOT NULL,
                    status TEXT NOT NULL,
                    reviewed_label TEXT,
                    reviewer TEXT,
                    reviewed_us BIGINT)
                """;
            yield return "CREATE INDEX review_items_status ON review_items (status, id)";
            yield return "CREATE INDEX review_items_time ON review_items (time_us)";
        }

        if (version < 4)
        {
            // Older logs may repeat an id (ASP.NET Core's trace ids restart with the process): those rows are kept, their id made unique.
            yield return """
                UPDATE predictions SET request_id = request_id || '#' || CAST(id AS TEXT)
                WHERE id NOT IN (SELECT min(id) FROM predictions GROUP BY request_id, role)
                """;
            yield return "CREATE UNIQUE INDEX predictions_request ON predictions (request_id, role)";
        }
    }

    public async Task WriteAsync(IReadOnlyList<LoggedPrediction> rows, CancellationToken cancellation = default)
    {
        if (rows.Count == 0)
            return;
        await using var connection = await ConnectAsync(cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        for (int start = 0; start < rows.Count; start += RowsPerStatement)
        {
            int count = Math.Min(RowsPerStatement, rows.Count - start);
            await using var insert = Command(connection, transaction, InsertStatement(count));
            for (int r = 0; r < count; r++)
                AddRow(insert, r, rows[start + r]);
            await insert.ExecuteNonQueryAsync(cancellation);
        }

        await transaction.CommitAsync(cancellation);
    }

    static string InsertStatement(int rows)
    {
        var sql = new StringBuilder($"INSERT INTO predictions ({Columns}) VALUES ");
        for (int r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (int c = 0; c < ColumnCount; c++)
                sql.Append(c == 0 ? "" : ", ").Append("@p").Append(r).Append('_').Append(c);
            sql.Append(')');
        }

        // A request id already logged for the role (another replica answered it first, behind a retrying proxy) is not logged again.
        return sql.Append(" ON CONFLICT (request_id, role) DO NOTHING").ToString();
    }

    static void AddRow(DbCommand command, int r, LoggedPrediction row)
    {
        object?[] values =
        [
            Microseconds(row.Time), row.RequestId, row.ModelId, row.ModelVersion, row.Role, row.Label,
            JsonSerializer.Serialize(row.Probabilities), row.OutOfDomainScore, row.OutOfDomain is { } ood ? (short)(ood ? 1 : 0) : null,
            row.LatencyMs, row.SourceId, row.ImageSha256, row.ImagePath,
        ];
        for (int c = 0; c < values.Length; c++)
            Parameter(command, $"p{r}_{c}", values[c]);
    }

    public IAsyncEnumerable<LoggedPrediction> ReadAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, string? sourceId = null,
        CancellationToken cancellation = default) => Read(from, to, modelId, sourceId, " ORDER BY time_us, id", cancellation);

    string IPredictionSource.Name => Description;

    // Monitoring reads in the order rows were logged: a row dated before one logged earlier is a clock that jumped back.
    IAsyncEnumerable<LoggedPrediction> IPredictionSource.ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation) =>
        Read(from, to, null, null, " ORDER BY id", cancellation);

    async IAsyncEnumerable<LoggedPrediction> Read(DateTimeOffset from, DateTimeOffset to, string? modelId, string? sourceId, string order,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var select = Query(connection, $"SELECT {Columns} FROM predictions", from, to, modelId, sourceId, order);
        await using var reader = await select.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
            yield return Row(reader);
    }

    public async Task<long> CountAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, string? sourceId = null, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        await using var count = Query(connection, "SELECT count(*) FROM predictions", from, to, modelId, sourceId, "");
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellation), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<long> DeleteOlderThanAsync(DateTimeOffset before, CancellationToken cancellation = default)
    {
        await using var connection = await ConnectAsync(cancellation);
        // Queued items go with their predictions: retention bounds what is kept of production images too.
        await using (var items = Command(connection, null, "DELETE FROM review_items WHERE time_us < @before"))
        {
            Parameter(items, "before", Microseconds(before));
            await items.ExecuteNonQueryAsync(cancellation);
        }

        await using var delete = Command(connection, null, "DELETE FROM predictions WHERE time_us < @before");
        Parameter(delete, "before", Microseconds(before));
        return await delete.ExecuteNonQueryAsync(cancellation);
    }

    static DbCommand Query(DbConnection connection, string head, DateTimeOffset from, DateTimeOffset to, string? modelId, string? sourceId, string tail)
    {
        var sql = new StringBuilder(head).Append(" WHERE time_us >= @from AND time_us < @to");
        if (modelId is not null)
            sql.Append(" AND model_id = @model");
        if (sourceId is not null)
            sql.Append(" AND source_id = @source");
        var command = Command(connection, null, sql.Append(tail).ToString());
        Parameter(command, "from", Microseconds(from));
        Parameter(command, "to", Microseconds(to));
        if (modelId is not null)
            Parameter(command, "model", modelId);
        if (sourceId is not null)
            Parameter(command, "source", sourceId);
        return command;
    }

    static LoggedPrediction Row(DbDataReader reader) => new(
        FromMicroseconds(reader.GetInt64(0)),
        reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
        JsonSerializer.Deserialize<Dictionary<string, float>>(reader.GetString(6)) ?? [],
        reader.IsDBNull(7) ? null : reader.GetDouble(7),
        reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), System.Globalization.CultureInfo.InvariantCulture) != 0,
        reader.GetDouble(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.GetString(11),
        reader.IsDBNull(12) ? null : reader.GetString(12));

    /// <summary>Microseconds since 1970 UTC: an integer both databases sort and compare alike.</summary>
    static long Microseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    static DateTimeOffset FromMicroseconds(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);

    static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellation)
    {
        await using var command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    static void Parameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
