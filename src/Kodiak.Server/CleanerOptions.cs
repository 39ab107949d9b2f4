using Kodiak.Cleaning;

namespace Kodiak.Server;

/// <summary>What <c>kodiak clean MODEL DATA</c> serves: the model, the data folder it was trained on, and who may use the page.</summary>
public sealed class CleanerOptions
{
    /// <summary>The <c>.kodiak</c> bundle that scores the images.</summary>
    public string Model { get; set; } = "";

    /// <summary>The data folder to clean (one folder per class, as in training).</summary>
    public string Data { get; set; } = "";

    /// <summary>The cosine similarity of features from which two images count as near-duplicates (0.95).</summary>
    public double DuplicateSimilarity { get; set; } = Suspects.DefaultDuplicateSimilarity;

    /// <summary>
    /// The admin token the page and API ask for. Null (the default): none while the app listens on loopback only
    /// (127.0.0.1, ::1, localhost), and a random one made at start on any other address. When set, it is always asked for.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Threads ONNX Runtime uses while scoring; null: one per core.</summary>
    public int? IntraOpThreads { get; set; }

    /// <summary>Throws when a setting is missing or out of range, naming the setting.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model))
            throw new ArgumentException("No model given: pass the .kodiak bundle that scores the images (--model MODEL.kodiak).", nameof(Model));
        if (string.IsNullOrWhiteSpace(Data))
            throw new ArgumentException("No data folder given: pass the folder the model was trained on (--data DATA).", nameof(Data));
        if (DuplicateSimilarity is not (>= -1 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(DuplicateSimilarity), DuplicateSimilarity, "The duplicate similarity is a cosine similarity, from -1 to 1.");
        if (Token is { } token && (token.Length < 16 || token.Any(char.IsWhiteSpace)))
            throw new ArgumentException("The admin token must be at least 16 characters, without spaces.", nameof(Token));
        if (IntraOpThreads is int threads)
            ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1, nameof(IntraOpThreads));
    }
}
