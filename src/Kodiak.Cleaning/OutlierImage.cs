namespace Kodiak.Cleaning;

/// <summary>An image far from every class's feature centroid: probably not a member of any class.</summary>
/// <param name="Image">The image.</param>
/// <param name="Distance">Cosine distance (1 − similarity) to the nearest class centroid.</param>
/// <param name="NearestClass">The class whose centroid is nearest.</param>
public sealed record OutlierImage(ScoredImage Image, double Distance, string NearestClass);
