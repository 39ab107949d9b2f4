using System.Data.Common;
using Kodiak.Testing;
using Microsoft.Data.Sqlite;

namespace Kodiak.Monitoring.Tests;

public sealed class SqlitePredictionLogTests : PredictionLogContract, IDisposable
{
    readonly TempFolder _folder = new();
    int _logs;

    protected override string NewLocation() => Path.Combine(_folder.Path, $"log{++_logs}.db");

    protected override string IdColumn => "INTEGER PRIMARY KEY";

    protected override DbConnection Connect(string location) => new SqliteConnection($"Data Source={location};Pooling=False");

    [Fact]
    public async Task The_file_is_in_WAL_mode()
    {
        string file = NewLocation();
        await using (PredictionLog.Open(file))
        {
        }

        using var connection = Connect(file);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void A_file_in_a_missing_folder_is_refused_naming_the_folder()
    {
        string missing = Path.Combine(_folder.Path, "no-such-folder");

        var error = Assert.Throws<ArgumentException>(() => PredictionLog.Open(Path.Combine(missing, "log.db")));

        Assert.Contains(missing, error.Message);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused()
    {
        string file = _folder.Write("notes.db", "these are not the rows you are looking for, but they are long enough"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => PredictionLog.Open(file));

        Assert.Contains("not a SQLite database", error.Message);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
