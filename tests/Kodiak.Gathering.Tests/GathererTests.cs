using Kodiak.Testing;
using Kodiak.Vision.Files;

namespace Kodiak.Gathering.Tests;

public sealed class GathererTests : IClassFixture<Web>, IDisposable
{
    static readonly string[] Bears = ["grizzly", "black", "teddy"];

    readonly TempFolder _temp = new();
    readonly InstantTime _clock = new();
    readonly Web _web;

    public GathererTests(Web web)
    {
        _web = web;
        _web.Server.Clock = _clock;
    }

    public void Dispose() => _temp.Dispose();

    FakeWeb Server => _web.Server;

    string Out => Path.Combine(_temp.Path, "bears");

    /// <summary>Every key set (Openverse's token and application too) unless <paramref name="environment"/> says otherwise.</summary>
    Gatherer Gatherer(string provider, Func<string, string?>? environment = null, List<string>? notices = null)
    {
        var fetcher = new Fetcher(Web.FastOptions(_clock, notices));
        return new Gatherer(ImageSearch.Create(provider, fetcher, Server.Url, environment ?? (_ => FakeWeb.Key)), fetcher);
    }

    static string? Anonymous(string variable) => null;

    /// <summary>Four distinct sample images per bear, plus a 404 for the grizzlies.</summary>
    Dictionary<string, IReadOnlyList<string>> BearResults()
    {
        var images = Bears.Select((bear, i) => (bear, names: _web.Samples(4, skip: 40 + 4 * i))).ToDictionary(b => b.bear, b => b.names);
        foreach (string bear in Bears)
            Server.Results[bear + " bear"] = [.. images[bear].Select(Server.Image), .. bear == "grizzly" ? new[] { Server.Hostile("missing.jpg") } : []];
        return images;
    }

    public static TheoryData<string> Providers => [.. ImageSearch.Providers];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Fills_a_folder_per_class_with_verified_images_and_a_manifest_and_a_rerun_is_a_no_op(string provider)
    {
        var images = BearResults();

        var reports = await Gatherer(provider).GatherAsync(Out, Bears, " bear", max: 10);
        int downloads = Server.Downloads;
        int searches = Server.Searches;
        var again = await Gatherer(provider).GatherAsync(Out, Bears, " bear", max: 10);

        Assert.Equal(Bears.Order(), Directory.GetDirectories(Out).Select(Path.GetFileName).Order());
        foreach (string bear in Bears)
        {
            string folder = Path.Combine(Out, bear);
            var files = ImageFiles.Get(folder);
            Assert.Equal(["00000001.jpg", "00000002.jpg", "00000003.jpg", "00000004.jpg"], files.Select(Path.GetFileName).Order());
            Assert.Equal(images[bear].Select(n => Convert.ToBase64String(Server.Images[n])).Order(),
                files.Select(f => Convert.ToBase64String(File.ReadAllBytes(f))).Order());
            Assert.Empty(ImageVerifier.Verify(files));
            var manifest = ImageDownloader.ReadManifest(folder);
            Assert.All(manifest, e => Assert.Equal((provider, bear + " bear"), (e.Provider, e.Query)));
            Assert.Equal(4, manifest.Count(e => e.Status == DownloadStatus.Kept));
        }

        var grizzly = ImageDownloader.ReadManifest(Path.Combine(Out, "grizzly"));
        Assert.Equal(("HTTP 404 Not Found", DownloadStatus.Failed), grizzly.Where(e => e.Url.EndsWith("missing.jpg")).Select(e => (e.Reason, e.Status)).Single());
        Assert.Equal([5, 4, 4], reports.Select(r => r.Urls));
        Assert.Equal(downloads, Server.Downloads);
        Assert.Equal(searches, Server.Searches); // every search ran dry, so it is complete in the manifest
        Assert.All(again, r => Assert.Equal((r.Urls, 0, 0, 0), (r.AlreadyDone, r.Kept, r.Duplicates, r.Failed)));
        Assert.Equal([$"5 found ({provider} 5); the search ran dry", $"4 found ({provider} 4); the search ran dry", $"4 found ({provider} 4); the search ran dry"],
            reports.Select(r => r.Outcome));
        Assert.All(again, r => Assert.Equal("searched in an earlier run", r.Outcome));
    }

    [Fact]
    public async Task A_class_whose_search_fails_keeps_the_pages_read_the_others_go_on_and_a_rerun_searches_it_again()
    {
        BearResults();
        Server.OpenverseAnonymousPerHour = 1;
        try
        {
            // One anonymous request an hour: grizzly's first page (3 of 5), then 429s asking to wait most of an hour.
            var reports = await Gatherer("openverse", Anonymous).GatherAsync(Out, Bears, " bear", max: 10);
            int recorded = ImageDownloader.ReadManifest(Path.Combine(Out, "grizzly")).Count;
            Server.OpenverseAnonymousPerHour = 5;
            var again = await Gatherer("openverse", Anonymous).GatherAsync(Out, ["grizzly"], " bear", max: 10);

            Assert.Equal([3, 0, 0], reports.Select(r => r.Kept));
            Assert.StartsWith("3 found (openverse 3); search stopped: openverse: the anonymous rate limit is reached", reports[0].Outcome);
            Assert.All(reports.Skip(1), r => Assert.StartsWith("nothing found; search stopped: openverse: the anonymous rate limit", r.Outcome));
            Assert.Equal(3, recorded);
            Assert.Equal((3, 1, 1), (again.Single().AlreadyDone, again.Single().Kept, again.Single().Failed)); // page 2: an image and a 404
        }
        finally
        {
            Server.OpenverseAnonymousPerHour = 5;
        }
    }

    [Fact]
    public async Task Licence_and_creator_reach_the_manifest()
    {
        BearResults();

        await Gatherer("openverse").GatherAsync(Out, ["black"], " bear", max: 10);

        var manifest = ImageDownloader.ReadManifest(Path.Combine(Out, "black"));
        Assert.Equal(["by 2.0"], manifest.Select(e => e.Licence).Distinct());
        Assert.Equal(["Creator 0", "Creator 1", "Creator 2", "Creator 3"], manifest.Select(e => e.Creator!).Order());
    }

    [Fact]
    public async Task An_image_found_for_two_classes_is_kept_once_and_named_in_the_other()
    {
        string shared = _web.Samples(1, skip: 60)[0];
        Server.Results["polar bear"] = [Server.Image(shared)];
        Server.Results["panda bear"] = [Server.Hostile("copy/" + shared)];

        await Gatherer("wikimedia").GatherAsync(Out, ["polar", "panda"], " bear", max: 10);

        var panda = Assert.Single(ImageDownloader.ReadManifest(Path.Combine(Out, "panda")));
        Assert.Equal((DownloadStatus.Duplicate, "same image as polar/00000001.jpg"), (panda.Status, panda.Reason));
        Assert.Empty(ImageFiles.Get(Path.Combine(Out, "panda")));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    public async Task A_class_name_that_is_not_a_plain_folder_name_is_refused_before_anything_is_written(string name)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Gatherer("ddg").GatherAsync(Out, ["grizzly", name], " bear", 10));

        Assert.Contains("class name", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task A_class_that_listing_would_skip_is_refused_with_its_name()
    {
        // Kodiak keeps .kodiak-* folders for itself, and ImageFiles.Get never lists them: such a class could never be trained.
        string name = ImageFiles.ReservedFolderPrefix + "x";
        Directory.CreateDirectory(Path.Combine(_temp.Path, "probe", name));
        File.WriteAllBytes(Path.Combine(_temp.Path, "probe", name, "1.bmp"), TestImages.Bmp(TestImages.Solid(8, 8, 1, 2, 3)));
        Assert.Empty(ImageFiles.Get(Path.Combine(_temp.Path, "probe")));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Gatherer("ddg").GatherAsync(Out, ["grizzly", name], " bear", 10));

        Assert.Contains($"class name '{name}' starts with '{ImageFiles.ReservedFolderPrefix}'", error.Message);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Max_limits_each_class()
    {
        BearResults();

        var reports = await Gatherer("pexels").GatherAsync(Out, ["teddy"], " bear", max: 2);

        Assert.Equal(2, reports.Single().Kept);
        Assert.Equal(2, ImageFiles.Get(Path.Combine(Out, "teddy")).Count);
    }
}
