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
