using System.Text.Json;
using System.Text.Json.Nodes;
using Kodiak.Testing;
using Kodiak.Vision.Transforms;

namespace Kodiak.Vision.Tests.Transforms;

public sealed class TransformRecipeTests
{
    static IItemTransform RoundTrip(IItemTransform transform) =>
        TransformRecipe.FromJson(JsonSerializer.SerializeToElement(TransformRecipe.ToJson(transform)), "kodiak.json");

    public static TheoryData<IItemTransform> Transforms => new()
    {
        new Resize(40, 24, ResizeMethod.Pad, PadMode.Zeros),
        new Resize(32, ResizeMethod.Crop),
        new Resize(30, 50, ResizeMethod.Squish),
        new RandomResizedCrop(32, minScale: 0.35, maxScale: 0.9, ratio: (0.5, 2.0)),
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public void A_rebuilt_transform_gives_the_same_validation_image(IItemTransform transform)
    {
        var image = TestImages.Photo(90, 60);

        var rebuilt = RoundTrip(transform);

        Assert.Equal(transform.ToString(), rebuilt.ToString());
        Assert.Equal(transform.Apply(image, ItemContext.Validation()).Pixels, rebuilt.Apply(image, ItemContext.Validation()).Pixels);
    }

    [Fact]
    public void A_transform_that_cannot_be_rebuilt_is_refused_on_export()
    {
        var e = Assert.Throws<NotSupportedException>(() => TransformRecipe.ToJson(new Flip()));

        Assert.Contains("Flip", e.Message);
        Assert.Contains("register it with TransformRecipe.Register first (registered kinds: Resize, RandomResizedCrop", e.Message);
    }

    [Fact]
    public void A_registered_transform_is_written_with_its_kind_and_rebuilt_with_its_settings()
    {
        Border.Register();
        var json = TransformRecipe.ToJson(new Border(7));

        var rebuilt = RoundTrip(new Border(7));

        Assert.Equal("""{"transform":"Border","width":7}""", json.ToJsonString());
        Assert.Equal("Border(7)", rebuilt.ToString());
        Assert.Contains("Border", TransformRecipe.Kinds);
    }

    [Fact]
    public void Bad_settings_of_a_registered_transform_name_the_file_and_the_kind()
    {
        Border.Register();

        var e = Assert.Throws<InvalidDataException>(() => TransformRecipe.FromJson(JsonNode.Parse("""{"transform":"Border"}""").Deserialize<JsonElement>(), "'m.kodiak'"));

        Assert.StartsWith("'m.kodiak': invalid Border settings", e.Message);
    }

    [Fact]
    public void An_unknown_kind_lists_the_registered_ones()
    {
        var e = Assert.Throws<InvalidDataException>(() => TransformRecipe.FromJson(JsonNode.Parse("""{"transform":"Rotate"}""").Deserialize<JsonElement>(), "'m.kodiak'"));

        Assert.Contains("unknown item transform 'Rotate' (registered: Resize, RandomResizedCrop", e.Message);
        Assert.Contains("call TransformRecipe.Register before loading", e.Message);
    }

    [Fact]
    public void A_kind_cannot_be_taken_from_a_built_in_or_another_type()
    {
        Border.Register();

        Assert.Throws<ArgumentException>(() => TransformRecipe.Register<Flip>(nameof(Resize), _ => [], _ => new Flip()));
        var e = Assert.Throws<ArgumentException>(() => TransformRecipe.Register<Flip>("Border", _ => [], _ => new Flip()));
        Assert.Contains("already registered", e.Message);
        // The same kind for the same type again is allowed: registering at every start-up is harmless.
        Border.Register();
    }

    /// <summary>Stands for a user's own transform with a setting; what it does to pixels does not matter to the recipe.</summary>
    sealed class Border(int width) : IItemTransform
    {
        public int Width { get; } = width;

        public static void Register() => TransformRecipe.Register<Border>("Border", b => new() { ["width"] = b.Width },
            json => new Border(json.GetProperty("width").GetInt32()));

        public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight) => (sourceWidth, sourceHeight);

        public RgbImage Apply(RgbImage image, ItemContext context) => image;

        public override string ToString() => $"Border({Width})";
    }

    [Theory]
    [InlineData("""{"transform":"Rotate"}""", "unknown item transform 'Rotate'")]
    [InlineData("""{"transform":"Resize","width":32,"method":"Crop","padMode":"Zeros"}""", "'height'")]
    [InlineData("""{"transform":"Resize","width":32,"height":32,"method":"Stretch","padMode":"Zeros"}""", "'method' must be one of Crop, Pad, Squish")]
    [InlineData("""{"transform":"Resize","width":0,"height":32,"method":"Crop","padMode":"Zeros"}""", "invalid Resize settings")]
    [InlineData("""{"transform":"RandomResizedCrop","size":32,"minScale":0.5,"maxScale":1,"ratio":[1]}""", "'ratio' must be [min, max]")]
    public void Bad_settings_name_the_file_and_the_field(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => TransformRecipe.FromJson(JsonNode.Parse(json).Deserialize<JsonElement>(), "'m.kodiak'"));

        Assert.StartsWith("'m.kodiak'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    sealed class Flip : IItemTransform
    {
        public (int MinWidth, int MinHeight) DecodeSize(int sourceWidth, int sourceHeight) => (sourceWidth, sourceHeight);

        public RgbImage Apply(RgbImage image, ItemContext context) => image;

        public override string ToString() => "Flip";
    }
}
