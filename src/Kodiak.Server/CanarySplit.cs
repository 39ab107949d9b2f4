using System.Security.Cryptography;
using System.Text;

namespace Kodiak.Server;

/// <summary>
/// Which requests a canary answers: a share of the sources (or only the named ones), sticky because the source id is
/// hashed to one of 10,000 buckets, so the same camera always gets the same model.
/// </summary>
/// <param name="Percent">The share of buckets the canary takes, 0–100.</param>
/// <param name="Sources">When given, only these sources can go to the canary (the share applies among them).</param>
internal sealed record CanarySplit(double Percent, IReadOnlySet<string>? Sources)
{
    const int Buckets = 10_000;

    /// <summary>
    /// The split for <paramref name="percent"/> of the sources (all of them when null) among <paramref name="sources"/>
    /// (every source when null or empty); the one check of these settings, for <c>kodiak serve</c> and a candidate loaded later.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The percent is outside 0–100.</exception>
    /// <exception cref="ArgumentException">Neither is given, so the canary's share is not said.</exception>
    public static CanarySplit Of(double? percent, IReadOnlyList<string>? sources)
    {
        if (percent is null && sources is not { Count: > 0 })
            throw new ArgumentException("Say which requests the canary answers: --canary-percent N (0–100) or --canary-sources cam-3,cam-7.", nameof(percent));
        if (percent is double p && !(p is >= 0 and <= 100))
            throw new ArgumentOutOfRangeException(nameof(percent), p, $"The canary's share must be from 0 to 100 percent (--canary-percent), not {p}.");
        return new CanarySplit(percent ?? 100, sources is { Count: > 0 } ? new HashSet<string>(sources) : null);
    }

    /// <summary>Whether the canary answers <paramref name="request"/>; a request without a source is split by its request id.</summary>
    public bool Takes(PredictionRequest request)
    {
        if (Sources is not null && (request.SourceId is null || !Sources.Contains(request.SourceId)))
            return false;
        return Bucket(request.SourceId ?? request.RequestId) < Percent * (Buckets / 100.0);
    }

    /// <summary>A bucket from a cryptographic hash: string.GetHashCode changes with every process, and stickiness must survive a restart.</summary>
    static int Bucket(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (int)(BitConverter.ToUInt64(hash) % Buckets);
    }
}
