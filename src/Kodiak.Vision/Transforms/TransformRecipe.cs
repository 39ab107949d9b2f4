using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kodiak.Vision.Transforms;

/// <summary>
/// Writes an item transform's settings as JSON and rebuilds the same transform from them, so that an
/// exported model can preprocess images exactly as its validation images were. A registry of kinds:
/// <see cref="Resize"/> and <see cref="RandomResizedCrop"/> are built in, and <see cref="Register{T}"/> adds your own.
/// </summary>
/// <example><code>
/// TransformRecipe.Register&lt;Grey&gt;("Grey", g =&gt; new JsonObject { ["size"] = g.Size }, json =&gt; new Grey(json.GetProperty("size").GetInt32()));
/// </code></example>
public static class TransformRecipe
{
    const string KindField = "transform";

    sealed record Recipe(string Kind, Type Type, Func<IItemTransform, JsonObject> ToJson, Func<JsonElement, string, IItemTransform> FromJson);

    // Registration is rare and lookups are many, but both are cheap: one lock keeps the two maps consistent.
    static readonly Lock Gate = new();
    static readonly Dictionary<string, Recipe> ByKind = new(StringComparer.Ordinal);
    static readonly Dictionary<Type, Recipe> ByType = [];

    static TransformRecipe()
    {
        Add(new Recipe(nameof(Resize), typeof(Resize), t => ResizeToJson((Resize)t), ResizeFromJson));
        Add(new Recipe(nameof(RandomResizedCrop), typeof(RandomResizedCrop), t => CropToJson((RandomResizedCrop)t), CropFromJson));
    }

    /// <summary>The kinds that can be saved and rebuilt, in the order they were registered (the built-in ones first).</summary>
    public static IReadOnlyList<string> Kinds
    {
        get
        {
            lock (Gate)
                return [.. ByKind.Keys];
        }
    }

    /// <summary>
    /// Lets transforms of type <typeparamref name="T"/> be saved with a model and rebuilt when it is loaded; register it
    /// before exporting and in every process that loads such a model. Registering the same kind and type again replaces
    /// the functions.
    /// </summary>
    /// <typeparam name="T">The transform's exact type (subclasses are not covered).</typeparam>
    /// <param name="kind">The name written in the <c>transform</c> field, e.g. <c>Grey</c>; unique among <see cref="Kinds"/>.</param>
    /// <param name="toJson">The settings of a transform, without the <c>transform</c> field.</param>
    /// <param name="fromJson">
    /// Rebuilds a transform from those settings (the object also holds the <c>transform</c> field); exceptions it throws
    /// for missing or bad settings (argument, format, key, JSON or invalid-operation errors) reach the loader as an
    /// <see cref="InvalidDataException"/> naming the bundle and the kind.
    /// </param>
    /// <exception cref="ArgumentException">The kind is empty, built in, or registered for another type, or the type under another kind.</exception>
    public static void Register<T>(string kind, Func<T, JsonObject> toJson, Func<JsonElement, T> fromJson)
        where T : IItemTransform
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(toJson);
        ArgumentNullException.ThrowIfNull(fromJson);
        if (kind is nameof(Resize) or nameof(RandomResizedCrop))
            throw new ArgumentException($"'{kind}' is a built-in item transform; register yours under another name.", nameof(kind));
        var recipe = new Recipe(kind, typeof(T), t => toJson((T)t), (json, source) =>
        {
            try
            {
                return fromJson(json);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException
                                          or JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{source}: invalid {kind} settings: {e.Message}", e);
            }
        });
        lock (Gate)
        {
            if (ByKind.TryGetValue(kind, out var existing) && existing.Type != typeof(T))
                throw new ArgumentException($"The item transform kind '{kind}' is already registered for {existing.Type.FullName}.", nameof(kind));
            if (ByType.TryGetValue(typeof(T), out existing) && existing.Kind != kind)
                throw new ArgumentException($"{typeof(T).FullName} is already registered as the item transform kind '{existing.Kind}'.", nameof(kind));
            Add(recipe);
        }
    }

    static void Add(Recipe recipe)
    {
        ByKind[recipe.Kind] = recipe;
        ByType[recipe.Type] = recipe;
    }

    /// <summary>The settings of <paramref name="transform"/>, e.g. <c>{"transform":"Resize","width":224,…}</c>.</summary>
    /// <param name="transform">A transform of a registered type.</param>
    /// <exception cref="NotSupportedException">A transform of no registered type: it could not be rebuilt at prediction time.</exception>
    /// <exception cref="InvalidOperationException">A registered to-JSON function wrote the <c>transform</c> field itself.</exception>
    public static JsonObject ToJson(IItemTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Recipe? recipe;
        lock (Gate)
            ByType.TryGetValue(transform.GetType(), out recipe);
        if (recipe is null)
            throw new NotSupportedException(
                $"The item transform {transform} ({transform.GetType().FullName}) cannot be saved with a model: register it with "
                + $"{nameof(TransformRecipe)}.{nameof(Register)} first (registered kinds: {string.Join(", ", Kinds)}).");
        var settings = recipe.ToJson(transform);
        if (settings.ContainsKey(KindField))
            throw new InvalidOperationException($"The settings of the item transform kind '{recipe.Kind}' must not hold a '{KindField}' field: it is written for them.");
        // The kind first, so a person reading kodiak.json sees what each object is.
        var json = new JsonObject { [KindField] = recipe.Kind };
        foreach (var (name, value) in settings.ToList())
        {
            settings.Remove(name);
            json[name] = value;
        }

        return json;
    }

    /// <summary>Rebuilds a transform from <see cref="ToJson"/>'s output.</summary>
    /// <param name="json">The settings.</param>
    /// <param name="source">Names the file the settings came from, in error messages.</param>
    /// <exception cref="InvalidDataException">
    /// An unknown kind (the message lists the registered ones), or a missing or invalid field (named in the message).
    /// </exception>
    public static IItemTransform FromJson(JsonElement json, string source)
    {
        string kind = String(json, KindField, source);
        Recipe? recipe;
        lock (Gate)
            ByKind.TryGetValue(kind, out recipe);
        if (recipe is null)
            throw new InvalidDataException(
                $"{source}: unknown item transform '{kind}' (registered: {string.Join(", ", Kinds)}); if it is your own, "
                + $"call {nameof(TransformRecipe)}.{nameof(Register)} before loading.");
        try
        {
            return recipe.FromJson(json, source);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"{source}: invalid {kind} settings: {e.Message}", e);
        }
    }

    /// <summary>Rebuilds a list of transforms, e.g. a bundle's <c>itemTransforms</c>, in order.</summary>
    /// <param name="recipes">The settings of each.</param>
    /// <param name="source">Names the file they came from, in error messages.</param>
    /// <exception cref="InvalidDataException">One cannot be rebuilt (see <see cref="FromJson(JsonElement, string)"/>).</exception>
    public static IReadOnlyList<IItemTransform> FromJson(IEnumerable<JsonElement> recipes, string source)
    {
        ArgumentNullException.ThrowIfNull(recipes);
        return [.. recipes.Select(r => FromJson(r, source))];
    }

    static JsonObject ResizeToJson(Resize r) => new()
    {
        ["width"] = r.Width, ["height"] = r.Height, ["method"] = r.Method.ToString(), ["padMode"] = r.PadMode.ToString(),
    };

    static Resize ResizeFromJson(JsonElement json, string source) =>
        new(Int(json, "width", source), Int(json, "height", source), Enum<ResizeMethod>(json, "method", source), Enum<PadMode>(json, "padMode", source));

    static JsonObject CropToJson(RandomResizedCrop c) => new()
    {
        ["size"] = c.Size, ["minScale"] = c.MinScale, ["maxScale"] = c.MaxScale, ["ratio"] = new JsonArray(c.Ratio.Min, c.Ratio.Max),
    };

    static RandomResizedCrop CropFromJson(JsonElement json, string source) =>
        new(Int(json, "size", source), Double(json, "minScale", source), Double(json, "maxScale", source), Ratio(json, source));

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
