namespace Kodiak.Cleaning;

/// <summary>A change a person asks for: delete an image (<see cref="NewLabel"/> null) or give it another label.</summary>
/// <param name="Path">The image, relative to the data folder or absolute; it must be inside the data folder.</param>
/// <param name="NewLabel">The class folder to move it to; null to delete it.</param>
public sealed record CleaningChange(string Path, string? NewLabel)
{
    /// <summary>Deletes <paramref name="path"/> (moves it to the trash).</summary>
    /// <param name="path">The image.</param>
    public static CleaningChange Delete(string path) => new(path, null);

    /// <summary>Moves <paramref name="path"/> to the class folder <paramref name="label"/>.</summary>
    /// <param name="path">The image.</param>
    /// <param name="label">The new class.</param>
    public static CleaningChange Relabel(string path, string label) => new(path, label);
}
