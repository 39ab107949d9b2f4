using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Kodiak.Gathering;

/// <summary>The page loop every provider shares; what differs is how a page is asked for, read, and followed.</summary>
internal static class Paging
{
    /// <summary>
    /// Results page after page, starting at <paramref name="first"/>, for as long as the caller enumerates and
    /// <paramref name="next"/> says there is more. A page without results ends it too, so a provider that keeps
    /// offering empty pages cannot loop forever.
    /// </summary>
    public static async IAsyncEnumerable<ImageResult> Pages<TCursor>(
        TCursor first,
        Func<TCursor, CancellationToken, Task<JsonElement>> get,
        Func<JsonElement, IEnumerable<ImageResult>> read,
        Func<JsonElement, TCursor, (bool More, TCursor Next)> next,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        for (TCursor cursor = first; ;)
        {
            var answer = await get(cursor, cancellation);
            int count = 0;
            foreach (var result in read(answer))
            {
                count++;
                yield return result;
            }

            var (more, following) = next(answer, cursor);
            if (count == 0 || !more) yield break;
            cursor = following;
        }
    }
}
