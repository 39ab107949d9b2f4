namespace Kodiak.Cleaning;

/// <summary>One line of the journal: a file moved.</summary>
/// <param name="Time">When.</param>
/// <param name="Action"><c>delete</c>, <c>relabel</c> or <c>undo</c>.</param>
/// <param name="From">Where the file was, relative to the data folder.</param>
/// <param name="To">Where it went, relative to the data folder.</param>
/// <param name="Batch">The batch it belongs to; an undo carries the id of the batch it undoes.</param>
public sealed record JournalEntry(DateTimeOffset Time, string Action, string From, string To, string Batch);
