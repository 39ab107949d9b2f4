using System.Runtime.CompilerServices;

namespace Kodiak.Monitoring;

/// <summary>Rows held in memory, in the order they were added (for tests, and for rows gathered some other way).</summary>
/// <param name="name">What the rows are, for messages.</param>
public sealed class InMemoryPredictionSource(string name = "memory") : IPredictionSource
{
    readonly List<LoggedPrediction> _rows = [];
    readonly Lock _lock = new();

    /// <inheritdoc/>
    public string Name { get; } = name;

    /// <summary>Adds rows; readers that already started do not see them.</summary>
    /// <param name="rows">The rows, in any order.</param>
    public void Add(IEnumerable<LoggedPrediction> rows)
    {
        lock (_lock)
            _rows.AddRange(rows);
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<LoggedPrediction> ReadAsync(DateTimeOffset from, DateTimeOffset to,
        [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        LoggedPrediction[] rows;
        lock (_lock)
            rows = [.. _rows.Where(r => r.Time >= from && r.Time < to)];
        foreach (var row in rows)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask;
    }
}
