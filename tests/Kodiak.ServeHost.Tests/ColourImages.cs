using System.Net.Http.Headers;
using Kodiak.Testing;
using Kodiak.Vision.Codecs;

namespace Kodiak.ServeHost.Tests;

/// <summary>Solid red, green and blue PNGs for the <see cref="ColourModel"/> bundle, and how to send one.</summary>
internal static class ColourImages
{
    /// <summary>Each class with a solid image of its colour.</summary>
    public static readonly IReadOnlyList<(string Label, byte[] Png)> All =
    [
        ("red", ImageEncoder.Encode(TestImages.Solid(16, 16, 230, 20, 20), ImageFormat.Png)),
        ("green", ImageEncoder.Encode(TestImages.Solid(16, 16, 20, 230, 20), ImageFormat.Png)),
        ("blue", ImageEncoder.Encode(TestImages.Solid(16, 16, 20, 20, 230), ImageFormat.Png)),
    ];

    /// <summary>POSTs <paramref name="png"/> to <c>/api/predict</c>.</summary>
    public static async Task<HttpResponseMessage> PredictAsync(HttpClient client, byte[] png)
    {
        using var body = new ByteArrayContent(png);
        body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return await client.PostAsync("/api/predict", body);
    }
}
