using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Files;

namespace Kodiak.Vision.Tests.Files;

public sealed class JsonLinesTests : IDisposable
{
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    sealed record Entry(string Url, int Size);

    [Fact]
    public void Read_returns_every_line_in_order_and_skips_blank_ones()
    {
        string path = _temp.Write("log.jsonl", TestImages.Text("{\"url\":\"a\",\"size\":1}\n\n   \n{\"url\":\"b\",\"size\":2}\n"));

        Assert.Equal([new Entry("a", 1), new Entry("b", 2)], JsonLines.Read<Entry>(path, Web, "an entry"));
    }

    [Fact]
    public void A_missing_file_is_empty()
    {
        Assert.Empty(JsonLines.Read<Entry>(Path.Combine(_temp.Path, "none.jsonl"), Web, "an entry"));
    }

    [Theory]
    [InlineData("{\"url\":\"a\",\"size\":1}\n{\"url\":\n")]
    [InlineData("{\"url\":\"a\",\"size\":1}\nnull\n")]
    public void A_bad_line_is_named_by_file_and_number(string text)
    {
        string path = _temp.Write("log.jsonl", TestImages.Text(text));

        var error = Assert.Throws<InvalidDataException>(() => JsonLines.Read<Entry>(path, Web, "an entry"));

        Assert.StartsWith($"{path} line 2 is not an entry (", error.Message);
        Assert.EndsWith("); fix or remove that line.", error.Message);
    }
}
