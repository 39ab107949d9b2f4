using System.Text.Json;
using Kodiak.Vision.Files;

namespace Kodiak.Cleaning;

/// <summary>
/// Applies deletes and relabels to a data folder without ever losing a file: deleting moves the image to
/// <c>DATA/.kodiak-trash/</c> (same relative path), relabelling moves it to the sibling class folder, never
/// overwriting (a clash gets "name (2).jpg"). Every move is appended to <c>DATA/.kodiak-journal.jsonl</c> as it
/// happens, so <see cref="Undo"/> can put the files back byte for byte.
/// </summary>
public sealed class DataCleaner
{
    /// <summary>Folder inside the data folder that deleted images go to.</summary>
    public const string TrashFolder = ImageFiles.ReservedFolderPrefix + "trash";

    /// <summary>The journal file inside the data folder, one JSON <see cref="JournalEntry"/> per line.</summary>
    public const string JournalFile = ImageFiles.ReservedFolderPrefix + "journal.jsonl";

    const string DeleteAction = "delete", RelabelAction = "relabel", UndoAction = "undo";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Cleans <paramref name="dataFolder"/>.</summary>
    /// <param name="dataFolder">The data folder, one subfolder per class.</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    public DataCleaner(string dataFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataFolder);
        DataFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataFolder));
        if (!Directory.Exists(DataFolder))
            throw new DirectoryNotFoundException($"Data folder not found: '{dataFolder}'.");
    }

    /// <summary>The data folder, as a full path.</summary>
    public string DataFolder { get; }

    /// <summary>The journal file.</summary>
    public string JournalPath => Path.Combine(DataFolder, JournalFile);

    /// <summary>
    /// Checks every change first (inside the folder, an existing image, a valid and different class, no file named
    /// twice), then performs them in order as one batch.
    /// </summary>
    /// <param name="changes">The changes.</param>
    /// <returns>The journal entries written, all with one new batch id.</returns>
    /// <exception cref="CleaningRefusedException">A change is not allowed; nothing was moved.</exception>
    public IReadOnlyList<JournalEntry> Apply(IReadOnlyList<CleaningChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var moves = new List<(string Action, string From, string To)>();
        foreach (var change in changes)
        {
            string from = DataPaths.Inside(DataFolder, change.Path);
            if (!File.Exists(from))
                throw new CleaningRefusedException($"'{change.Path}' is not a file in '{DataFolder}'.");
            if (moves.Any(m => DataPaths.Same(m.From, from)))
                throw new CleaningRefusedException($"'{change.Path}' is named twice.");
            moves.Add(change.NewLabel is null
                ? (DeleteAction, from, Path.Combine(DataFolder, TrashFolder, Path.GetRelativePath(DataFolder, from)))
                : (RelabelAction, from, Path.Combine(ClassFolder(from, change.NewLabel), Path.GetFileName(from))));
        }

        string batch = Guid.NewGuid().ToString("N")[..12];
        var entries = new List<JournalEntry>();
        foreach (var (action, from, to) in moves)
            entries.Add(Move(action, from, to, batch));
        return entries;
    }

    /// <summary>Puts back the files of the last batch not yet undone, or of every batch, newest first.</summary>
    /// <param name="all">Undo every batch in the journal.</param>
    /// <returns>The undo entries written; empty when there was nothing to undo.</returns>
    /// <exception cref="CleaningRefusedException">
    /// A moved file is gone, or its old place is taken; nothing of that batch was moved.
    /// </exception>
    public IReadOnlyList<JournalEntry> Undo(bool all = false)
    {
        var journal = ReadJournal();
        var undone = new List<JournalEntry>();
        foreach (string batch in journal.Where(e => e.Action != UndoAction).Select(e => e.Batch).Distinct().Reverse())
        {
            var pending = journal
                .Where(e => e.Batch == batch && e.Action != UndoAction
                    && !journal.Any(u => u.Batch == batch && u.Action == UndoAction && u.From == e.To && u.To == e.From))
                .Reverse().ToList();
            if (pending.Count == 0)
                continue;
            // Checked against the folder as it will be while the batch is undone in order: a place an earlier
            // step empties (a relabel back out of it) may be filled again by a later one.
            var emptied = new HashSet<string>(DataPaths.Comparer);
            var filled = new HashSet<string>(DataPaths.Comparer);
            var steps = new List<(string From, string To)>();
            foreach (var entry in pending)
            {
                string to = JournalledPlace(entry.To);
                if (!File.Exists(to) || filled.Contains(to))
                    throw new CleaningRefusedException($"Cannot undo: '{entry.To}' ({entry.Action} of '{entry.From}') is no longer there.");
                string from = DataPaths.Inside(DataFolder, entry.From);
                if (filled.Contains(from) || ((File.Exists(from) || Directory.Exists(from)) && !emptied.Contains(from)))
                    throw new CleaningRefusedException($"Cannot undo: '{entry.From}' exists again, and Kodiak never overwrites a file.");
                emptied.Add(to);
                filled.Add(from);
                steps.Add((to, from));
            }

            undone.AddRange(steps.Select(step => Move(UndoAction, step.From, step.To, batch)));
            if (!all)
                break;
        }

        return undone;
    }

    /// <summary>Every entry of the journal, oldest first; empty when there is no journal yet.</summary>
    /// <exception cref="InvalidDataException">A line of the journal is not a journal entry.</exception>
    public IReadOnlyList<JournalEntry> ReadJournal() => JsonLines.Read<JournalEntry>(JournalPath, Json, "a journal entry");

    /// <summary>The folder for <paramref name="label"/> beside the class folder <paramref name="file"/> is in.</summary>
    string ClassFolder(string file, string label)
    {
        if (ImageFiles.ClassNameProblem(label) is not null)
            throw new CleaningRefusedException($"'{label}' is not a class name (a folder name inside the data folder).");
        string current = Path.GetDirectoryName(file)!;
        if (DataPaths.Same(current, DataFolder))
            throw new CleaningRefusedException($"'{file}' is not in a class folder.");
        if (Path.GetFileName(current) == label)
            throw new CleaningRefusedException($"'{file}' is already labelled '{label}'.");
        string target = Path.Combine(Path.GetDirectoryName(current)!, label);
        // A misspelt class must not quietly become a new one: new classes are made by making their folder.
        if (!Directory.Exists(target))
            throw new CleaningRefusedException($"There is no class '{label}' beside '{Path.GetFileName(current)}' (make the folder first to add a class).");
        return target;
    }

    // The journal line is written before the move, so a crash in between never leaves a move without a record;
    // a move that fails takes its line back out.
    JournalEntry Move(string action, string from, string to, string batch)
    {
        to = ImageFiles.FreeName(to);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        var entry = new JournalEntry(DateTimeOffset.UtcNow, action, DataPaths.Relative(DataFolder, from), DataPaths.Relative(DataFolder, to), batch);
        long before = File.Exists(JournalPath) ? new FileInfo(JournalPath).Length : 0;
        File.AppendAllText(JournalPath, JsonSerializer.Serialize(entry, Json) + "\n");
        try
        {
            File.Move(from, to, overwrite: false);
        }
        catch
        {
            using (var journal = new FileStream(JournalPath, FileMode.Open, FileAccess.Write))
                journal.SetLength(before);
            throw;
        }
        return entry;
    }

    /// <summary>Where a journal line says a file went: inside the data folder or its trash, never elsewhere.</summary>
    string JournalledPlace(string relative)
    {
        string full = Path.GetFullPath(relative, DataFolder);
        string trash = Path.Combine(DataFolder, TrashFolder) + Path.DirectorySeparatorChar;
        return full.StartsWith(trash, DataPaths.Comparison) ? full : DataPaths.Inside(DataFolder, relative);
    }
}
