namespace Kodiak.Cleaning;

/// <summary>A cleaning request that would leave the data folder, lose a file or cannot be carried out; nothing was changed.</summary>
public sealed class CleaningRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was refused and why, naming the file.</param>
    public CleaningRefusedException(string message)
        : base(message)
    {
    }
}
