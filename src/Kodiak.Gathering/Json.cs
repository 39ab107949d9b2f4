using System.Text.Json;

namespace Kodiak.Gathering;

/// <summary>Lenient reads of provider answers: a missing or differently typed field is null, never an exception.</summary>
internal static class Json
{
    public static JsonElement? Get(this JsonElement element, params string[] path)
    {
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                return null;
        }

        return element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : element;
    }

    public static string? Text(this JsonElement element, params string[] path) => element.Get(path) switch
    {
        { ValueKind: JsonValueKind.String } e => e.GetString() is { Length: > 0 } s ? s : null,
        { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
        _ => null,
    };

    public static int? Int(this JsonElement element, params string[] path) => element.Get(path) switch
    {
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out int n) => n,
        { ValueKind: JsonValueKind.String } e when int.TryParse(e.GetString(), out int n) => n,
        _ => null,
    };

    public static IEnumerable<JsonElement> Items(this JsonElement element, params string[] path) =>
        element.Get(path) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
}
