namespace Kodiak.Cleaning;

/// <summary>Which part of the data an image was in when the model was trained.</summary>
public enum DataSplit
{
    /// <summary>The training set (every image the bundle does not list as validation).</summary>
    Train,

    /// <summary>The validation set recorded in the bundle.</summary>
    Valid,

    /// <summary>The bundle does not record its validation set (exported before Kodiak recorded it).</summary>
    Unknown,
}
