namespace Kodiak.Vision.Transforms;

/// <summary>What an <see cref="IItemTransform"/> needs to know about the item it is transforming.</summary>
public sealed class ItemContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="isTraining">True for training augmentation (random), false for validation/inference (deterministic).</param>
    /// <param name="random">This item's own stream, e.g. <see cref="SeededRandom.For"/>.</param>
    public ItemContext(bool isTraining, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        IsTraining = isTraining;
        Random = random;
    }

    /// <summary>A context for validation images and prediction: deterministic, nothing random is drawn.</summary>
    public static ItemContext Validation() => new(isTraining: false, new SeededRandom(0));

    /// <summary>True when random augmentation applies; false gives the deterministic validation behaviour.</summary>
    public bool IsTraining { get; }

    /// <summary>The item's random stream; transforms draw from it in order.</summary>
    public SeededRandom Random { get; }
}
