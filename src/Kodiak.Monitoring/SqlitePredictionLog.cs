using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Kodiak.Monitoring;

/// <summary>The log in a SQLite file, in WAL mode: readers never wait for the writer, and a commit survives the process being killed.</summary>
internal sealed class SqlitePredictionLog : SqlPredictionLog
{
    /// <summary>SQLite's "file is not a database".</summary>
    const int NotADatabase = 26;

    readonly string _connectionString;
    volatile bool _walSet;

    SqlitePredictionLog(string path)
    {
        Description = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Seconds a statement waits for another connection's lock (a reader, or a second process) before it fails.
            DefaultTimeout = 30,
        }.ToString();
    }

    public override string Description { get; }

    protected override string IdColumn => "INTEGER PRIMARY KEY";

    protected override string BlobColumn => "BLOB";

    // BEGIN IMMEDIATE (the provider's default transaction) already takes the write lock.
    protected override string? MigrationLock => null;

    /// <exception cref="ArgumentException">The file's folder does not exist.</exception>
    public static SqlitePredictionLog Create(string file)
    {
        string path = Path.GetFullPath(file);
        string folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder))
            throw new ArgumentException($"The folder of the prediction log {path} does not exist: create {folder} first, or give a file in an existing folder.");
        if (Directory.Exists(path))
            throw new ArgumentException($"The prediction log {path} is a folder: give a file such as {Path.Combine(path, "predictions.db")}.");
        return new SqlitePredictionLog(path);
    }

    protected override async Task<DbConnection> ConnectAsync(CancellationToken cancellation)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellation);
            await using var pragmas = connection.CreateCommand();
            // The file keeps WAL mode once set (at the first open); NORMAL, a per-connection setting, syncs at checkpoints
            // only, which in WAL mode loses no commit to a killed process.
            pragmas.CommandText = _walSet ? "PRAGMA synchronous=NORMAL" : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL";
            await pragmas.ExecuteNonQueryAsync(cancellation);
            _walSet = true;
            return connection;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == NotADatabase)
        {
            await connection.DisposeAsync();
            throw new InvalidDataException($"{Description} is not a SQLite database: give a new file or an existing Kodiak prediction log.", e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override async Task<bool> TableExistsAsync(DbConnection connection, DbTransaction transaction, string table, CancellationToken cancellation)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.Add(new SqliteParameter("$name", table));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellation), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Closes the pooled connections, so that the file can be moved or deleted.</summary>
    public override void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
