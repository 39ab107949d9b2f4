namespace Kodiak.Training;

/// <summary>fastai's <c>ImageBlock</c>: the input of each item is an image file, decoded to RGB.</summary>
public sealed record ImageBlock;

/// <summary>fastai's <c>CategoryBlock</c>: the target is one label out of a sorted vocabulary.</summary>
public sealed record CategoryBlock;
