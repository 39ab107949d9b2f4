using System.Runtime.CompilerServices;

namespace Kodiak.Gathering;

/// <summary>
/// <c>--provider auto</c>: asks the providers in turn until a query has its results. A provider that refuses (blocked,
/// rate-limited, a rejected key) is said and left out for the rest of the run; one that runs dry is said and the next one
/// fills the rest. Each result names the provider that gave it; a URL already given by an earlier provider is not repeated.
/// A search left short while some provider refused ends, after its results, with an <see cref="ImageSearchException"/> saying so.
/// </summary>
internal sealed class AutoSearch(IReadOnlyList<IImageSearch> providers, Action<string>? notice) : IImageSearch
{
    readonly HashSet<string> _refused = [];
    readonly Lock _gate = new();

    public string Name => ImageSearch.Auto;

    public async IAsyncEnumerable<ImageResult> SearchAsync(string query, int max, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var provider in providers)
        {
            if (seen.Count >= max) yield break;
            lock (_gate)
                if (_refused.Contains(provider.Name)) continue;
            int found = 0;
            bool refused = false;
            // Asked for all of max: its first results may be ones an earlier provider gave.
            await using var results = provider.SearchAsync(query, max, cancellation).GetAsyncEnumerator(cancellation);
            while (seen.Count < max)
            {
                ImageResult result;
                try
                {
                    if (!await results.MoveNextAsync()) break;
                    result = results.Current;
                }
                catch (ImageSearchException e)
                {
                    lock (_gate) _refused.Add(provider.Name);
                    refused = true;
                    notice?.Invoke($"auto: {provider.Name} refused after {found} results for \"{query}\" ({e.Message}); it is left out from now on, {Next(provider)}.");
                    break;
                }

                if (!seen.Add(result.Url)) continue;
                found++;
                yield return result with { Provider = result.Provider ?? provider.Name };
            }

            if (seen.Count < max && !refused)
                notice?.Invoke($"auto: {provider.Name} ran dry for \"{query}\" with {seen.Count} of {max} results, {Next(provider)}.");
        }

        if (seen.Count >= max) yield break;
        string[] left;
        lock (_gate) left = [.. providers.Where(p => _refused.Contains(p.Name)).Select(p => p.Name)];
        // Short because some refused is not "ran dry": a later run may find more, so the caller must not record it as finished.
        // Each refusal was said as it came; this only names them.
        if (left.Length > 0)
            throw new ImageSearchException($"auto: {seen.Count} of {max} results; {string.Join(", ", left)} refused");
    }

    string Next(IImageSearch provider)
    {
        lock (_gate)
            return providers.SkipWhile(p => p != provider).Skip(1).FirstOrDefault(p => !_refused.Contains(p.Name)) is { } next
                ? $"trying {next.Name}"
                : "and no provider is left";
    }
}
