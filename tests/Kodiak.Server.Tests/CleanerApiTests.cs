using System.Net;
using System.Net.Http.Json;
using System.Text;
using Kodiak.Cleaning;
using Kodiak.Testing;
using static Kodiak.Server.Tests.Answers;

namespace Kodiak.Server.Tests;

/// <summary>The cleaner's JSON API on a planted data folder, each test with its own copy.</summary>
public sealed class CleanerApiTests : IAsyncLifetime
{
    CleanerApp _app = null!;

    PlantedData Data => _app.Data;

    HttpClient Client => _app.Client;

    public async Task InitializeAsync() => _app = await CleanerApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_cleaner_names_the_data_the_model_and_its_classes()
    {
        var info = await Client.GetJson("/api/cleaner");

        Assert.Equal("data", info.GetProperty("name").GetString());
        Assert.Equal(Data.Data, info.GetProperty("data").GetString());
        Assert.Equal(Data.Bundle, info.GetProperty("model").GetString());
        Assert.Equal(["red", "green", "blue"], info.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(22, info.GetProperty("images").GetInt32());
        Assert.True(info.GetProperty("splitRecorded").GetBoolean());
    }

    [Fact]
    public async Task Every_kind_of_suspect_ranks_the_planted_problems_first()
    {
        var green = await Client.GetJson("/api/suspects/loss?class=green");
        var mislabeled = await Client.GetJson("/api/suspects/mislabeled");
        var duplicates = await Client.GetJson("/api/suspects/duplicates?top=2");
        var outliers = await Client.GetJson("/api/suspects/outliers?top=1");

        var first = green.GetProperty("items")[0];
        Assert.Equal(PlantedData.WrongClass, first.GetProperty("path").GetString());
        Assert.Equal(("green", "red", "train"), (first.GetProperty("label").GetString(), first.GetProperty("predicted").GetString(), first.GetProperty("split").GetString()));
        Assert.InRange(first.GetProperty("loss").GetDouble(), 1, 100);
        Assert.InRange(first.GetProperty("probability").GetDouble(), 0.5, 1);
        Assert.Equal(8, green.GetProperty("total").GetInt64());
        Assert.Equal([PlantedData.CopiedAcrossClasses, PlantedData.WrongClass],
            mislabeled.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("image").GetProperty("path").GetString()).Order());
        Assert.All(mislabeled.GetProperty("items").EnumerateArray(), m => Assert.Equal("red", m.GetProperty("likely").GetString()));
        var pairs = duplicates.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, pairs.Count);
        Assert.True(duplicates.GetProperty("total").GetInt64() >= 2);
        Assert.Contains(pairs, p => p.GetProperty("acrossClasses").GetBoolean() && p.GetProperty("second").GetProperty("path").GetString() == PlantedData.CopiedFrom);
        Assert.Contains(pairs, p => p.GetProperty("acrossSplits").GetBoolean() && p.GetProperty("first").GetProperty("path").GetString() == PlantedData.LeakValid);
        Assert.Equal(PlantedData.Outlier, outliers.GetProperty("items")[0].GetProperty("image").GetProperty("path").GetString());
        Assert.Equal(22, outliers.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_loss_ranking_narrows_to_a_class_and_split_and_top()
    {
        var blueValid = await Client.GetJson("/api/suspects/loss?class=blue&split=valid");
        var top = await Client.GetJson("/api/suspects/loss?split=train&top=3");

        Assert.Equal(["blue/b1.png"], blueValid.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("path").GetString()));
        Assert.Equal(3, top.GetProperty("items").GetArrayLength());
        Assert.Equal(18, top.GetProperty("total").GetInt64());
        var losses = top.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("loss").GetDouble()).ToList();
        Assert.Equal(losses.OrderDescending(), losses);
    }

    [Theory]
    [InlineData("/api/suspects/loss?class=purple", "'purple' is not one of the model's classes (red, green, blue)")]
    [InlineData("/api/suspects/loss?split=test", "The split is train, valid or all, not 'test'")]
    [InlineData("/api/suspects/outliers?top=0", "top must be at least 1, not 0")]
    public async Task A_list_asked_for_wrongly_is_400_saying_why(string path, string detail)
    {
        using var response = await Client.GetAsync(path);

        await AssertProblem(response, HttpStatusCode.BadRequest, detail);
    }

    [Fact]
    public async Task An_image_is_served_with_its_bytes_and_type()
    {
        using var response = await Client.GetAsync("/api/image?path=red/r1.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Data.Full("red/r1.png")), await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("../colours.kodiak", "has a '.' or '..' step")]
    [InlineData("red/../../colours.kodiak", "has a '.' or '..' step")]
    [InlineData("%2e%2e/colours.kodiak", "'../colours.kodiak' has a '.' or '..' step")]
    [InlineData("red%2f%2e%2e%2f%2e%2e%2fcolours.kodiak", "has a '.' or '..' step")]
    [InlineData("/etc/passwd", "'/etc/passwd' is an absolute path")]
    [InlineData("%2fetc%2fpasswd", "'/etc/passwd' is an absolute path")]
    [InlineData(".kodiak-trash/red/r1.png", "is in Kodiak's own bookkeeping")]
    [InlineData(DataCleaner.JournalFile, "is in Kodiak's own bookkeeping")]
    [InlineData("", "No path")]
    public async Task A_path_outside_the_data_or_into_its_bookkeeping_is_400(string path, string detail)
    {
        await Client.PostAsync("/api/apply", Changes(CleaningChange.Delete("red/r1.png")));

        using var response = await Client.GetAsync($"/api/image?path={path}");

        await AssertProblem(response, HttpStatusCode.BadRequest, detail);
        Assert.True(File.Exists(Data.Full(".kodiak-trash/red/r1.png")));
    }

    [Fact]
    public async Task An_absolute_path_even_into_the_data_is_400()
    {
        using var response = await Client.GetAsync($"/api/image?path={Uri.EscapeDataString(Data.Full("red/r1.png"))}");

        await AssertProblem(response, HttpStatusCode.BadRequest, "is an absolute path");
    }

    [Theory]
    [InlineData("red/missing.png")]
    [InlineData("red")]
    [InlineData("red/")]
    public async Task A_path_that_is_not_an_image_of_the_data_is_404(string path)
    {
        using var response = await Client.GetAsync($"/api/image?path={path}");

        await AssertProblem(response, HttpStatusCode.NotFound, "is not an image of the data folder");
    }

    [Fact]
    public async Task An_image_deleted_outside_the_cleaner_since_it_started_is_404()
    {
        File.Delete(Data.Full("red/r1.png"));

        using var response = await Client.GetAsync("/api/image?path=red/r1.png");

        await AssertProblem(response, HttpStatusCode.NotFound, "is no longer in the data folder");
    }

    [Fact]
    public async Task Apply_moves_the_files_in_one_batch_and_undo_puts_them_back_byte_for_byte()
    {
        var before = Data.Snapshot();

        using var applied = await Client.PostAsync("/api/apply",
            Changes(CleaningChange.Delete(PlantedData.CopiedAcrossClasses), CleaningChange.Relabel(PlantedData.WrongClass, "red")));

        var moves = (await Json(applied)).GetProperty("moves").EnumerateArray().ToList();
        Assert.Equal(HttpStatusCode.OK, applied.StatusCode);
        Assert.Equal([("delete", PlantedData.CopiedAcrossClasses, ".kodiak-trash/blue/r0.png"), ("relabel", PlantedData.WrongClass, "red/r9.png")],
            moves.Select(m => (m.GetProperty("action").GetString(), m.GetProperty("from").GetString(), m.GetProperty("to").GetString())));
        Assert.Single(moves.Select(m => m.GetProperty("batch").GetString()).Distinct());
        Assert.True(File.Exists(Data.Full(".kodiak-trash/blue/r0.png")));
        Assert.True(File.Exists(Data.Full("red/r9.png")));
        Assert.Equal(2, File.ReadAllLines(Data.Full(DataCleaner.JournalFile)).Length);
        Assert.Equal(21, (await Client.GetJson("/api/cleaner")).GetProperty("images").GetInt32());
        Assert.DoesNotContain(PlantedData.WrongClass, await Paths("/api/suspects/loss?class=green"));
        Assert.Contains("red/r9.png", await Paths("/api/suspects/loss?class=red"));
        Assert.Empty(await Paths("/api/suspects/mislabeled"));
        using (var moved = await Client.GetAsync("/api/image?path=red/r9.png"))
            Assert.Equal(before[PlantedData.WrongClass], await moved.Content.ReadAsByteArrayAsync());

        using var undone = await Client.PostAsync("/api/undo", JsonBody("{}"));

        Assert.Equal(HttpStatusCode.OK, undone.StatusCode);
        Assert.Equal(2, (await Json(undone)).GetProperty("moves").GetArrayLength());
        var after = Data.Snapshot().Where(f => f.Key != DataCleaner.JournalFile).ToDictionary();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        Assert.Equal(4, File.ReadAllLines(Data.Full(DataCleaner.JournalFile)).Length);
        Assert.Equal([PlantedData.CopiedAcrossClasses, PlantedData.WrongClass], (await Paths("/api/suspects/mislabeled")).Order());
        using var nothing = await Client.PostAsync("/api/undo", JsonBody("{}"));
        Assert.Equal(0, (await Json(nothing)).GetProperty("moves").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"changes": [{"path": "red/r1.png", "newLabel": "purple"}]}""", HttpStatusCode.BadRequest, "'purple': not one of the model's classes")]
    [InlineData("""{"changes": [{"path": "red/r1.png", "newLabel": "red"}]}""", HttpStatusCode.BadRequest, "is already labelled 'red'")]
    [InlineData("""{"changes": [{"path": "red/r1.png"}, {"path": "../colours.kodiak"}]}""", HttpStatusCode.BadRequest, "has a '.' or '..' step")]
    [InlineData("""{"changes": [{"path": "red/r1.png"}, {"path": "red/r1.png"}]}""", HttpStatusCode.BadRequest, "is named twice")]
    [InlineData("""{"changes": [{"path": "red/r1.png"}, {"path": "red/gone.png"}]}""", HttpStatusCode.NotFound, "'red/gone.png' is not an image of the data folder")]
    [InlineData("""{"changes": []}""", HttpStatusCode.BadRequest, "No changes")]
    [InlineData("""{"changes": [{"path": "red/r1.png", """, HttpStatusCode.BadRequest, "The changes are not the JSON expected")]
    public async Task A_change_that_is_not_allowed_is_refused_and_nothing_moves(string body, HttpStatusCode status, string detail)
    {
        var before = Data.Snapshot();

        using var response = await Client.PostAsync("/api/apply", JsonBody(body));

        await AssertProblem(response, status, detail);
        Assert.Equal(before.Keys.Order(), Data.Snapshot().Keys.Order());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "path=red/r1.png")]
    [InlineData("text/plain", """{"changes": [{"path": "red/r1.png"}]}""")]
    [InlineData("multipart/form-data; boundary=x", "--x--")]
    public async Task Only_JSON_can_change_the_data_so_a_plain_cross_site_form_cannot(string contentType, string body)
    {
        var before = Data.Snapshot();
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);

        using var apply = await Client.PostAsync("/api/apply", content);
        using var undo = await Client.PostAsync("/api/undo", null);

        await AssertProblem(apply, HttpStatusCode.UnsupportedMediaType, "Send the request as JSON (Content-Type: application/json)");
        await AssertProblem(undo, HttpStatusCode.UnsupportedMediaType, "not 'no content type'");
        Assert.Equal(before.Keys.Order(), Data.Snapshot().Keys.Order());
    }

    [Fact]
    public async Task A_browser_request_from_another_site_is_403_even_as_JSON()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/apply") { Content = Changes(CleaningChange.Delete("red/r1.png")) };
        request.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await Client.SendAsync(request);

        await AssertProblem(response, HttpStatusCode.Forbidden, "only from the cleaner page itself");
        Assert.True(File.Exists(Data.Full("red/r1.png")));
    }

    [Fact]
    public async Task Undo_that_would_overwrite_is_409_and_moves_nothing()
    {
        await Client.PostAsync("/api/apply", Changes(CleaningChange.Delete("red/r2.png")));
        File.Copy(Data.Full("red/r3.png"), Data.Full("red/r2.png"));

        using var response = await Client.PostAsync("/api/undo", JsonBody("{}"));

        await AssertProblem(response, HttpStatusCode.Conflict, "red/r2.png");
        Assert.True(File.Exists(Data.Full(".kodiak-trash/red/r2.png")));
    }

    [Fact]
    public async Task The_cleaner_serves_its_own_page_and_not_the_prediction_page()
    {
        using var page = await Client.GetAsync("/");
        using var script = await Client.GetAsync("/cleaner.js");
        using var predict = await Client.GetAsync("/app.js");
        using var health = await Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("""<ol id="list" class="items" role="tabpanel"></ol>""", html);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, predict.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_cleaner()
    {
        var paths = (await Client.GetJson("/openapi/v1.json")).GetProperty("paths");

        Assert.Equal(["/api/apply", "/api/cleaner", "/api/image", "/api/suspects/duplicates", "/api/suspects/loss", "/api/suspects/mislabeled",
            "/api/suspects/outliers", "/api/undo", "/healthz"], paths.EnumerateObject().Select(p => p.Name).Order());
    }

    async Task<IReadOnlyList<string?>> Paths(string list) =>
        [.. (await Client.GetJson(list)).GetProperty("items").EnumerateArray()
            .Select(i => (i.TryGetProperty("image", out var image) ? image : i).GetProperty("path").GetString())];

    static JsonContent Changes(params CleaningChange[] changes) => JsonContent.Create(new { changes });

    static StringContent JsonBody(string body) => new(body, Encoding.UTF8, "application/json");
}
