using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kodiak.Vision;

/// <summary>
/// Writes an item transform's settings as JSON and rebuilds the same transform from them, so that an
/// exported model can preprocess images exactly as its validation images were.
/// </summary>
/// <remarks>Covers the sizing transforms: <see cref="Resize"/> and <see cref="RandomResizedCrop"/>.</remarks>
public static class TransformRecipe
{
    const string Kind = "transform";

    /// <summary>The settings of <paramref name="transform"/>, e.g. <c>{"transform":"Resize","width":224,…}</c>.</summary>
    /// <param name="transform">A <see cref="Resize"/> or <see cref="RandomResizedCrop"/>.</param>
    /// <exception cref="NotSupportedException">Any other transform: it could not be rebuilt at prediction time.</exception>
    public static JsonObject ToJson(IItemTransform transform) => transform switch
    {
        Resize r => new JsonObject
        {
            [Kind] = nameof(Resize), ["width"] = r.Width, ["height"] = r.Height,
            ["method"] = r.Method.ToString(), ["padMode"] = r.PadMode.ToString(),
        },
        RandomResizedCrop c => new JsonObject
        {
            [Kind] = nameof(RandomResizedCrop), ["size"] = c.Size, ["minScale"] = c.MinScale, ["maxScale"] = c.MaxScale,
            ["ratio"] = new JsonArray(c.Ratio.Min, c.Ratio.Max),
        },
        null => throw new ArgumentNullException(nameof(transform)),
        _ => throw new NotSupportedException(
            $"The item transform {transform} cannot be saved with a model; only {nameof(Resize)} and {nameof(RandomResizedCrop)} can."),
    };

    /// <summary>Rebuilds a transform from <see cref="ToJson"/>'s output.</summary>
    /// <param name="json">The settings.</param>
    /// <param name="source">Names the file the settings came from, in error messages.</param>
    /// <exception cref="InvalidDataException">An unknown transform, or a missing or invalid field (named in the message).</exception>
    public static IItemTransform FromJson(JsonElement json, string source)
    {
        string kind = String(json, Kind, source);
        try
        {
            return kind switch
            {
                nameof(Resize) => new Resize(Int(json, "width", source), Int(json, "height", source),
                    Enum<ResizeMethod>(json, "method", source), Enum<PadMode>(json, "padMode", source)),
                nameof(RandomResizedCrop) => new RandomResizedCrop(Int(json, "size", source), Double(json, "minScale", source),
                    Double(json, "maxScale", source), Ratio(json, source)),
                _ => throw new InvalidDataException($"{source}: unknown item transform '{kind}' (expected {nameof(Resize)} or {nameof(RandomResizedCrop)})."),
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"{source}: invalid {kind} settings: {e.Message}", e);
        }
    }

    static JsonElement Field(JsonElement json, string name, string source) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value)
            ? value
            : throw new InvalidDataException($"{source}: item transform has no '{name}' field.");

    static string String(JsonElement json, string name, string source) =>
        Field(json, name, source) is { ValueKind: JsonValueKind.String } value
            ? value.GetString()!
            : throw new InvalidDataException($"{source}: item transform field '{name}' must be a string.");

    static int Int(JsonElement json, string name, string source) =>
        Field(json, name, source) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out int result)
            ? result
            : throw new InvalidDataException($"{source}: item transform field '{name}' must be a whole number.");

    static double Double(JsonElement json, string name, string source) => Number(Field(json, name, source), name, source);

    static double Number(JsonElement value, string name, string source) =>
        value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new InvalidDataException($"{source}: item transform field '{name}' must be a number.");

    static T Enum<T>(JsonElement json, string name, string source)
        where T : struct, Enum =>
        System.Enum.TryParse(String(json, name, source), ignoreCase: false, out T result) && System.Enum.IsDefined(result)
            ? result
            : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: item transform field '{name}' must be one of {string.Join(", ", System.Enum.GetNames<T>())}."));

    static (double Min, double Max) Ratio(JsonElement json, string source)
    {
        var ratio = Field(json, "ratio", source);
        if (ratio.ValueKind != JsonValueKind.Array || ratio.GetArrayLength() != 2)
            throw new InvalidDataException($"{source}: item transform field 'ratio' must be [min, max].");
        return (Number(ratio[0], "ratio", source), Number(ratio[1], "ratio", source));
    }
}
