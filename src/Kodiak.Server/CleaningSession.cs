using Kodiak.Cleaning;
using Kodiak.Inference;

namespace Kodiak.Server;

/// <summary>
/// The data folder under cleaning: every image scored once at start, kept up to date as the page's changes move files
/// (through <see cref="DataCleaner"/>, so every move is journaled and can be undone).
/// </summary>
internal sealed class CleaningSession : IDisposable
{
    /// <summary>Most duplicate pairs kept (the most similar); the rest are only counted.</summary>
    public const int MaxPairs = 500;

    readonly Lock _gate = new();
    readonly double _similarity;
    View _current;

    /// <summary>Scores every image of <see cref="CleanerOptions.Data"/> with <paramref name="predictor"/>.</summary>
    public CleaningSession(Predictor predictor, CleanerOptions options)
    {
        Predictor = predictor;
        Model = options.Model;
        Cleaner = new DataCleaner(options.Data);
        _similarity = options.DuplicateSimilarity;
        _current = new View(Suspects.Find(predictor, Cleaner.DataFolder), _similarity);
    }

    public Predictor Predictor { get; }

    /// <summary>The bundle's path as given.</summary>
    public string Model { get; }

    public DataCleaner Cleaner { get; }

    /// <summary>What the page names the task after: the data folder's name.</summary>
    public string Name => Path.GetFileName(Cleaner.DataFolder);

    /// <summary>The data as it is now; a view never changes, a change makes a new one.</summary>
    public View Current => Volatile.Read(ref _current);

    /// <summary>Performs <paramref name="changes"/> as one journal batch.</summary>
    /// <exception cref="CleaningRefusedException">A change is not allowed; nothing moved.</exception>
    public IReadOnlyList<JournalEntry> Apply(IReadOnlyList<CleaningChange> changes) => Change(() => Cleaner.Apply(changes));

    /// <summary>Puts back the last batch not yet undone (the page's or the command line's).</summary>
    /// <exception cref="CleaningRefusedException">A file of the batch is gone or its old place is taken; nothing moved.</exception>
    public IReadOnlyList<JournalEntry> Undo() => Change(() => Cleaner.Undo());

    IReadOnlyList<JournalEntry> Change(Func<IReadOnlyList<JournalEntry>> change)
    {
        lock (_gate)
        {
            var moves = change();
            Volatile.Write(ref _current, new View(_current.Suspects.Moved(moves, Predictor), _similarity));
            return moves;
        }
    }

    public void Dispose() => Predictor.Dispose();

    /// <summary>One state of the data: the suspects, their images by path, and the most similar pairs (found when first asked for).</summary>
    public sealed class View
    {
        readonly Lazy<DuplicatePairs> _duplicates;

        public View(Suspects suspects, double similarity)
        {
            Suspects = suspects;
            Images = suspects.Images.ToDictionary(i => i.RelativePath, StringComparer.Ordinal);
            _duplicates = new Lazy<DuplicatePairs>(() => suspects.Duplicates(similarity, MaxPairs));
        }

        public Suspects Suspects { get; }

        /// <summary>Every image by its path relative to the data folder.</summary>
        public IReadOnlyDictionary<string, ScoredImage> Images { get; }

        /// <summary>The <see cref="MaxPairs"/> most similar pairs, and how many there are.</summary>
        public DuplicatePairs Duplicates => _duplicates.Value;
    }
}
