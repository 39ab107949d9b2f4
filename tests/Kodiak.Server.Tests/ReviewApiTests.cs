using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kodiak.Monitoring;
using Kodiak.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

/// <summary><c>kodiak serve --log FILE.db --review --review-sample 1</c> on Kestrel: every answer queued, then reviewed over the JSON API.</summary>
[Collection(ServerFixture.Collection)]
public sealed class ReviewApiTests(ServerFixture server) : IDisposable
{
    readonly TempFolder _folder = new();

    internal static async Task<(WebApplication App, HttpClient Client)> StartAsync(string bundle, string log, string urls = "http://127.0.0.1:0")
    {
        var app = KodiakServer.Build(["--urls", urls], new ServeOptions { Model = bundle, Log = log, Review = true, ReviewSample = 1 });
        await app.StartAsync();
        var url = new UriBuilder(app.Urls.Single());
        url.Host = "127.0.0.1";
        return (app, new HttpClient { BaseAddress = url.Uri });
    }

    /// <summary>Predicts each image, then waits (up to a minute) until the queue holds them all.</summary>
    internal static async Task PredictAndQueueAsync(WebApplication app, HttpClient client, IEnumerable<byte[]> images)
    {
        int posted = 0;
        foreach (var image in images)
        {
            using var body = new ByteArrayContent(image);
            body.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            using var answer = await client.PostAsync("/api/predict", body);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            posted++;
        }

        var queue = app.Services.GetRequiredService<IReviewQueue>();
        for (var deadline = DateTime.UtcNow.AddMinutes(1); await queue.CountPendingAsync() < posted && DateTime.UtcNow < deadline;)
            await Task.Delay(50);
        Assert.Equal(posted, await queue.CountPendingAsync());
    }

    static Task<HttpResponseMessage> Review(HttpClient client, long id, string status, string? label = null) =>
        client.PostAsJsonAsync($"/api/review/{id}", new { status, label, reviewer = "ana" });

    [Fact]
    public async Task Queued_answers_are_confirmed_corrected_or_none_once_each()
    {
        var (app, client) = await StartAsync(server.Sample.Bundle, Path.Combine(_folder.Path, "log.db"));
        await using var _ = app;
        using var __ = client;
        var images = server.Sample.Validation.Paths.Take(4).Select(File.ReadAllBytes).ToList();
        await PredictAndQueueAsync(app, client, images);

        var page = await client.GetJson("/api/review");
        var items = page.GetProperty("items").EnumerateArray().ToList();
        long[] ids = [.. items.Select(i => i.GetProperty("id").GetInt64())];
        string label = items[1].GetProperty("label").GetString()!;
        string other = items[1].GetProperty("probabilities").EnumerateObject().Select(p => p.Name).First(c => c != label);
        var image = await client.GetByteArrayAsync(items[0].GetProperty("image").GetString());

        using var confirmed = await Review(client, ids[0], "confirmed");
        using var corrected = await Review(client, ids[1], "corrected", other);
        using var none = await Review(client, ids[2], "none-of-these");
        using var twice = await Review(client, ids[0], "corrected", other);
        using var unknown = await Review(client, ids.Max() + 1000, "confirmed");
        using var notAClass = await client.PostAsJsonAsync($"/api/review/{ids[3]}", new { status = "corrected", label = "panda" });

        Assert.Equal((4, 4), (page.GetProperty("pending").GetInt32(), items.Count));
        Assert.All(items, i => Assert.Contains("sample", i.GetProperty("reasons").EnumerateArray().Select(r => r.GetString())));
        Assert.Contains(image, images); // the posted bytes, kept
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var correction = await Json(corrected);
        Assert.Equal(("corrected", other, "ana"), (correction.GetProperty("status").GetString(), correction.GetProperty("label").GetString(), correction.GetProperty("reviewer").GetString()));
        Assert.Equal("none-of-these", (await Json(none)).GetProperty("status").GetString());
        await AssertProblem(twice, HttpStatusCode.Conflict, $"Item {ids[0]} was reviewed already; the first review stands.");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notAClass.StatusCode);
        Assert.Contains(other, (await Json(notAClass)).GetProperty("detail").GetString());
        var left = await client.GetJson("/api/review");
        Assert.Equal([ids[3]], left.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var accuracy = (await client.GetJson("/api/monitor?since=1h")).GetProperty("accuracy");
        Assert.Equal((3, 1), (accuracy.GetProperty("reviewed").GetInt32(), accuracy.GetProperty("correct").GetInt32())); // none of these counts as wrong
        var stored = await app.Services.GetRequiredService<IReviewQueue>().ReviewedAsync().ToListAsync();
        Assert.Equal([ReviewStatus.Confirmed, ReviewStatus.Corrected, ReviewStatus.NoneOfThese], stored.OrderBy(i => i.Id).Select(i => i.Status));
    }

    [Fact]
    public async Task Off_loopback_the_queue_needs_the_admin_token_and_predict_stays_open()
    {
        var (app, client) = await StartAsync(server.Sample.Bundle, Path.Combine(_folder.Path, "log.db"), "http://0.0.0.0:0");
        await using var _ = app;
        using var __ = client;
        await PredictAndQueueAsync(app, client, [File.ReadAllBytes(server.Sample.Validation.Paths[0])]);
        long id = (await app.Services.GetRequiredService<IReviewQueue>().PendingAsync(0, 1))[0].Id;
        string token = app.Services.GetRequiredService<AdminToken>().Value;

        using var list = await client.GetAsync("/api/review");
        using var page = await client.GetAsync("/review");
        using var review = await Review(client, id, "confirmed");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/review") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        using var withToken = await client.SendAsync(request);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (list.StatusCode, page.StatusCode, review.StatusCode));
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.Equal(1, (await Json(withToken)).GetProperty("pending").GetInt32()); // the refused review stored nothing
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
