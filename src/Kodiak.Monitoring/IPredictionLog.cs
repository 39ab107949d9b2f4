namespace Kodiak.Monitoring;

/// <summary>
/// The prediction log: rows written in batches, read back by time range. Open one with <see cref="PredictionLog.Open"/>
/// (SQLite for a file, PostgreSQL for a connection string; both keep the same schema). Safe to use from several threads.
/// As an <see cref="IPredictionSource"/> it gives monitoring its rows in the order they were logged.
/// </summary>
public interface IPredictionLog : IPredictionSource, IDisposable, IAsyncDisposable
{
    /// <summary>What the log is, for messages: the SQLite file, or the PostgreSQL host and database (never a password).</summary>
    string Description { get; }

    /// <summary>Writes the rows in one transaction: all of them or, on a throw, none.</summary>
    /// <param name="rows">The rows, in any order.</param>
    /// <param name="cancellation">Stops the write (and rolls it back).</param>
    /// <exception cref="System.Data.Common.DbException">The database cannot be reached or refused the rows; see <see cref="PredictionLog.IsTransient"/>.</exception>
    Task WriteAsync(IReadOnlyList<LoggedPrediction> rows, CancellationToken cancellation = default);

    /// <summary>The rows with <paramref name="from"/> &lt;= time &lt; <paramref name="to"/>, oldest first (rows of the same time in the order written), streamed.</summary>
    /// <param name="from">The first time included.</param>
    /// <param name="to">The first time no longer included.</param>
    /// <param name="modelId">Only this model's rows (<see cref="LoggedPrediction.ModelId"/>); null: every model.</param>
    /// <param name="sourceId">Only this source's rows (<see cref="LoggedPrediction.SourceId"/>); null: every source.</param>
    /// <param name="cancellation">Stops the reading.</param>
    IAsyncEnumerable<LoggedPrediction> ReadAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, string? sourceId = null,
        CancellationToken cancellation = default);

    /// <summary>How many rows <see cref="ReadAsync"/> would give for the same arguments, counted by the database.</summary>
    /// <param name="from">The first time included.</param>
    /// <param name="to">The first time no longer included.</param>
    /// <param name="modelId">Only this model's rows; null: every model.</param>
    /// <param name="sourceId">Only this source's rows; null: every source.</param>
    /// <param name="cancellation">Stops the count.</param>
    Task<long> CountAsync(DateTimeOffset from, DateTimeOffset to, string? modelId = null, string? sourceId = null, CancellationToken cancellation = default);

    /// <summary>Deletes the rows older than <paramref name="before"/> (retention) and says how many went.</summary>
    /// <param name="before">Rows with an earlier time are deleted.</param>
    /// <param name="cancellation">Stops the deletion (and rolls it back).</param>
    Task<long> DeleteOlderThanAsync(DateTimeOffset before, CancellationToken cancellation = default);
}
