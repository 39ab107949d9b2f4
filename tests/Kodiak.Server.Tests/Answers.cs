using System.Net;
using System.Text.Json;

namespace Kodiak.Server.Tests;

/// <summary>Reading the apps' answers in tests: JSON bodies and problem details.</summary>
internal static class Answers
{
    public static async Task<JsonElement> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>GETs <paramref name="path"/>, asserts 200 and returns the JSON body.</summary>
    public static async Task<JsonElement> GetJson(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Asserts <paramref name="status"/> with a problem+json body whose detail contains <paramref name="detail"/>.</summary>
    public static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string detail)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString());
    }
}
