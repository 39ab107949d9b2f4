namespace Kodiak.Monitoring;

/// <summary>Where a queued prediction is in its review.</summary>
public enum ReviewStatus
{
    /// <summary>Waiting for a person.</summary>
    Pending,

    /// <summary>A person said the model's label is right.</summary>
    Confirmed,

    /// <summary>A person gave another of the model's classes.</summary>
    Corrected,

    /// <summary>A person said the image is none of the model's classes.</summary>
    NoneOfThese,
}
