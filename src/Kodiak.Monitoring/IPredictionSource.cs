namespace Kodiak.Monitoring;

/// <summary>Where monitoring reads logged predictions from: the prediction log, or rows held in memory.</summary>
public interface IPredictionSource
{
    /// <summary>What is read, for messages ("bears.db").</summary>
    string Name { get; }

    /// <summary>
    /// The rows whose <see cref="LoggedPrediction.Time"/> is in [<paramref name="from"/>, <paramref name="to"/>), in the
    /// order they were logged (not sorted by time: a row dated before one logged earlier is how a report sees a clock that jumped back).
    /// </summary>
    /// <param name="from">The first instant included.</param>
    /// <param name="to">The first instant left out.</param>
    /// <param name="cancellation">Stops the reading.</param>
    IAsyncEnumerable<LoggedPrediction> ReadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation = default);
}
