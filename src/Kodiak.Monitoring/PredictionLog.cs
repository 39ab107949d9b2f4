using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kodiak.Monitoring;

/// <summary>Opens a prediction log and tells which of its errors are worth retrying.</summary>
public static class PredictionLog
{
    /// <summary>
    /// Opens the log at <paramref name="fileOrConnectionString"/>, creating its tables or migrating them to the current
    /// schema version. A value with an <c>=</c> in it is a PostgreSQL connection string (<c>Host=…;Database=…</c>); any
    /// other is a SQLite file (created when missing, in WAL mode).
    /// </summary>
    /// <param name="fileOrConnectionString">A file such as <c>predictions.db</c>, or a PostgreSQL connection string.</param>
    /// <exception cref="ArgumentException">The file's folder does not exist, or the connection string cannot be read.</exception>
    /// <exception cref="DbException">The database cannot be reached or opened.</exception>
    /// <exception cref="InvalidDataException">The file is not a database, or its log was written by a newer Kodiak.</exception>
    public static IPredictionLog Open(string fileOrConnectionString) => OpenSql(fileOrConnectionString);

    /// <summary>Opens the review queue kept in the log at <paramref name="fileOrConnectionString"/>, as <see cref="Open"/> opens the log.</summary>
    /// <param name="fileOrConnectionString">A file such as <c>predictions.db</c>, or a PostgreSQL connection string.</param>
    /// <exception cref="ArgumentException">The file's folder does not exist, or the connection string cannot be read.</exception>
    /// <exception cref="DbException">The database cannot be reached or opened.</exception>
    /// <exception cref="InvalidDataException">The file is not a database, or its log was written by a newer Kodiak.</exception>
    public static IReviewQueue OpenReviewQueue(string fileOrConnectionString) => OpenSql(fileOrConnectionString);

    static SqlPredictionLog OpenSql(string fileOrConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrConnectionString);
        SqlPredictionLog log = fileOrConnectionString.Contains('=', StringComparison.Ordinal)
            ? PostgresPredictionLog.Create(fileOrConnectionString)
            : SqlitePredictionLog.Create(fileOrConnectionString);
        try
        {
            log.Migrate();
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// True when <paramref name="error"/>, thrown by a log, may pass if the same call is tried again: the database is
    /// down, unreachable, busy, out of space or restarting. False for rows it refuses (bad data, a broken schema) and
    /// for anything that is not a database or I/O error.
    /// </summary>
    /// <param name="error">What a log method threw.</param>
    public static bool IsTransient(Exception error) => error switch
    {
        // Classes 22 (data), 23 (integrity) and 42 (syntax, missing table, no privilege) fail again however often tried.
        PostgresException pg => pg.SqlState.Length < 2 || pg.SqlState[..2] is not ("22" or "23" or "42"),
        // SQLITE_TOOBIG, SQLITE_CONSTRAINT, SQLITE_MISMATCH and SQLITE_RANGE are about the rows; the rest (busy, locked,
        // I/O, full, cannot open) about the file.
        SqliteException sqlite => sqlite.SqliteErrorCode is not (18 or 19 or 20 or 25),
        DbException or IOException or TimeoutException => true,
        _ => false,
    };
}
