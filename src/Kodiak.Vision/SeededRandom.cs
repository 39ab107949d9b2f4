namespace Kodiak.Vision;

/// <summary>
/// A deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64). The algorithm is
/// ours rather than <see cref="Random"/>'s, so a seed gives the same stream on every OS and .NET version.
/// Not thread-safe: give each worker its own instance, e.g. via <see cref="For"/>.
/// </summary>
public sealed class SeededRandom
{
    // SplitMix64's increment (2^64 / golden ratio).
    private const ulong Golden = 0x9E3779B97F4A7C15;

    // Kept so children depend only on the seed, never on how many numbers were drawn before forking.
    private readonly ulong _seed;
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Starts the stream for <paramref name="seed"/>.</summary>
    /// <param name="seed">Any value; equal seeds give equal streams.</param>
    public SeededRandom(ulong seed)
    {
        _seed = seed;
        ulong state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>Starts the stream for <paramref name="seed"/>, sign-extended to 64 bits (so <c>-1</c> equals <see cref="ulong.MaxValue"/>).</summary>
    /// <param name="seed">Any value; equal seeds give equal streams.</param>
    public SeededRandom(int seed)
        : this(unchecked((ulong)seed))
    {
    }

    /// <summary>
    /// The generator for one item of one epoch: <c>new SeededRandom(seed).Fork(epoch).Fork(index)</c>.
    /// Each item gets its own stream, so results do not depend on which thread loads it or in what order.
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">Epoch number.</param>
    /// <param name="index">Item index within the dataset.</param>
    public static SeededRandom For(ulong seed, long epoch, long index) =>
        new SeededRandom(seed).Fork(unchecked((ulong)epoch)).Fork(unchecked((ulong)index));

    /// <summary>
    /// An independent child generator for <paramref name="stream"/>. It depends only on this generator's seed
    /// and <paramref name="stream"/>, not on numbers already drawn, and drawing from it leaves this one unchanged.
    /// </summary>
    /// <param name="stream">Which child; different values give unrelated streams.</param>
    public SeededRandom Fork(ulong stream) => new(Mix(Mix(_seed) ^ stream));

    /// <summary>The next 64 uniformly random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    /// <param name="min">Inclusive lower bound.</param>
    /// <param name="max">Exclusive upper bound (returned only when equal to <paramref name="min"/>).</param>
    public double NextDouble(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
        {
            throw new ArgumentOutOfRangeException(nameof(max), $"[{min}, {max}) is not a finite range.");
        }

        return min + (max - min) * NextDouble();
    }

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>), without modulo bias.</summary>
    /// <param name="maxExclusive">At least 1.</param>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxExclusive, 1);
        // Lemire's multiply-and-reject: the high word is uniform once the few biased low words are rejected.
        ulong bound = (ulong)maxExclusive;
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold)
            {
                high = Math.BigMul(NextUInt64(), bound, out low);
            }
        }

        return (int)high;
    }

    /// <summary>Shuffles <paramref name="list"/> in place (Fisher–Yates); every permutation is equally likely.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="list">The list to reorder.</param>
    public void Shuffle<T>(IList<T> list)
    {
        ArgumentNullException.ThrowIfNull(list);
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>SplitMix64: advances <paramref name="state"/> and returns the next output.</summary>
    internal static ulong SplitMix64(ref ulong state)
    {
        state += Golden;
        return Mix(state);
    }

    // SplitMix64's finaliser: a bijection that spreads every input bit over the whole word.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
