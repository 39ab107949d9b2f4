namespace Kodiak.Bundle;

/// <summary>How an <see cref="OutOfDomainCalibration"/> scores an image; every score is higher for stranger images.</summary>
public enum OutOfDomainMethod
{
    /// <summary>
    /// The squared Mahalanobis distance of the pooled features to the nearest class mean, with one shared covariance fitted
    /// on the training features and shrunk towards a multiple of the identity (Ledoit–Wolf).
    /// </summary>
    Mahalanobis,

    /// <summary>The energy of the logits, −log Σ exp(logit): low when some class fits well.</summary>
    Energy,

    /// <summary>One minus the largest class probability.</summary>
    MaxSoftmax,

    /// <summary>
    /// <see cref="Mahalanobis"/> and <see cref="Energy"/>, each standardised by its mean and standard deviation on the
    /// validation images, added.
    /// </summary>
    MahalanobisEnergy,
}
