using Kodiak.Testing;
using Kodiak.Vision.Codecs;
using Kodiak.Vision.Files;
using Microsoft.Extensions.Time.Testing;

namespace Kodiak.Gathering.Tests;

public sealed class ImageDownloaderTests(Web web) : IClassFixture<Web>, IDisposable
{
    readonly TempFolder _temp = new();
    readonly InstantTime _clock = new();

    public void Dispose() => _temp.Dispose();

    FakeWeb Server => web.Server;

    string Out => Path.Combine(_temp.Path, "out");

    ImageDownloader Downloader(GatherOptions? options = null) => new(new Fetcher(options ?? Web.FastOptions(_clock)));

    async Task<ManifestEntry> DownloadOne(string url, GatherOptions? options = null)
    {
        await Downloader(options).DownloadAsync(Out, [new DownloadItem(url)]);
        return Assert.Single(ImageDownloader.ReadManifest(Out));
    }

    [Fact]
    public async Task A_good_image_is_kept_byte_for_byte_as_00000001_jpg()
    {
        string name = web.Samples(1)[0];

        var entry = await DownloadOne(Server.Image(name));

        Assert.Equal((DownloadStatus.Kept, "00000001.jpg"), (entry.Status, entry.File));
        Assert.Equal(Server.Images[name], File.ReadAllBytes(Path.Combine(Out, "00000001.jpg")));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Server.Images[name])), entry.Sha256);
    }

    [Fact]
    public async Task The_extension_comes_from_the_bytes_not_the_url()
    {
        var entry = await DownloadOne(Server.Hostile("png.jpg"));

        Assert.Equal((DownloadStatus.Kept, "00000001.png"), (entry.Status, entry.File));
    }

    [Theory]
    [InlineData("missing.jpg", "HTTP 404 Not Found", 1)]
    [InlineData("broken.jpg", "HTTP 500 Internal Server Error (tried 3 times)", 3)]
    [InlineData("to-file.jpg", "redirected to file:///etc/passwd: only http and https are fetched", 1)]
    [InlineData("loop/0", "more than 5 redirects", 1)]
    [InlineData("page.jpg", "not an image (unrecognised format) (the server said image/jpeg)", 1)]
    [InlineData("truncated.jpg", "truncated or corrupt image data (the server said image/jpeg)", 1)]
    [InlineData("endless.jpg", "larger than the 1 MB limit", 1)]
    public async Task A_hostile_answer_fails_with_its_reason_and_nothing_is_saved(string path, string reason, int requests)
    {
        int before = Server.Requests(path);

        var entry = await DownloadOne(Server.Hostile(path));

        Assert.Equal((DownloadStatus.Failed, reason), (entry.Status, entry.Reason));
        Assert.Null(entry.File);
        Assert.Equal(requests, Server.Requests(path) - before);
        Assert.Equal([Path.Combine(Out, "manifest.jsonl")], Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_slow_server_times_out_after_the_limit_and_each_retry()
    {
        // The server answers after 20 real seconds; the fetcher's clock is moved past the limit and the retry wait instead.
        var clock = new FakeTimeProvider();
        var options = new GatherOptions { Timeout = TimeSpan.FromSeconds(0.3), Retries = 1, TimeProvider = clock };

        var download = DownloadOne(Server.Hostile("slow.jpg"), options);
        while (!download.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
            await Task.WhenAny(download, Task.Delay(1));
        }
        var entry = await download;

        Assert.Equal((DownloadStatus.Failed, "timed out after 0.3 s (tried 2 times)"), (entry.Status, entry.Reason));
    }

    [Fact]
    public async Task An_answer_within_the_limit_is_kept_however_long_it_takes_in_real_time()
    {
        // 300 real milliseconds, but the fetcher's clock stands still: the 0.1 s limit is never reached.
        var options = new GatherOptions { Timeout = TimeSpan.FromSeconds(0.1), Retries = 0, TimeProvider = new FakeTimeProvider() };

        var entry = await DownloadOne(Server.Hostile("slow.jpg?ms=300"), options);

        Assert.Equal(DownloadStatus.Kept, entry.Status);
    }

    [Theory]
    [InlineData("file:///etc/passwd", "not an http or https URL: file:///etc/passwd")]
    [InlineData("ftp://example.org/a.jpg", "not an http or https URL: ftp://example.org/a.jpg")]
    [InlineData("bear.jpg", "not a valid URL")]
    public async Task A_url_that_is_not_http_is_refused_without_a_request(string url, string reason)
    {
        var entry = await DownloadOne(url);

        Assert.Equal((DownloadStatus.Failed, reason), (entry.Status, entry.Reason));
    }

    [Fact]
    public async Task A_500_then_an_image_is_kept_after_one_retry()
    {
        string name = web.Samples(1, skip: 1)[0];
        Server.Refuse("img/" + name, 500);

        var entry = await DownloadOne(Server.Image(name));

        Assert.Equal(DownloadStatus.Kept, entry.Status);
        Assert.Single(_clock.Waits);
    }

    [Theory]
    [InlineData(429, 7, 7)]
    [InlineData(503, 3600, 30)] // the ceiling (MaxRetryDelay), not an hour
    public async Task A_Retry_After_is_waited_for_up_to_the_ceiling_then_the_image_is_kept(int status, int retryAfter, int waited)
    {
        string name = web.Samples(1, skip: status == 429 ? 2 : 3)[0];
        Server.Refuse("img/" + name, status, retryAfterSeconds: retryAfter);

        var entry = await DownloadOne(Server.Image(name));

        Assert.Equal(DownloadStatus.Kept, entry.Status);
        Assert.Equal([TimeSpan.FromSeconds(waited)], _clock.Waits);
    }

    [Fact]
    public async Task A_redirect_to_an_image_keeps_it_under_the_original_url()
    {
        string target = Server.Images.Keys.Order(StringComparer.Ordinal).Last();

        var entry = await DownloadOne(Server.Hostile("moved.jpg"));

        Assert.Equal((DownloadStatus.Kept, Server.Hostile("moved.jpg")), (entry.Status, entry.Url));
        Assert.Equal(Server.Images[target], File.ReadAllBytes(Path.Combine(Out, entry.File!)));
    }

    [Fact]
    public async Task The_same_bytes_at_another_url_are_a_duplicate_of_the_kept_file()
    {
        string name = web.Samples(1, skip: 4)[0];
        var downloader = Downloader(Web.FastOptions(_clock, parallelism: 1));

        var report = await downloader.DownloadAsync(Out, [new DownloadItem(Server.Image(name)), new DownloadItem(Server.Hostile("copy/" + name))]);

        var entries = ImageDownloader.ReadManifest(Out);
        Assert.Equal((1, 1), (report.Kept, report.Duplicates));
        Assert.Equal((DownloadStatus.Duplicate, "same image as 00000001.jpg"), (entries[1].Status, entries[1].Reason));
        Assert.Equal(entries[0].Sha256, entries[1].Sha256);
        Assert.Single(Directory.GetFiles(Out, "*.jpg"));
    }

    [Fact]
    public async Task A_mixed_list_keeps_exactly_the_good_images_all_decodable_and_a_second_run_fetches_nothing()
    {
        var names = web.Samples(4, skip: 10);
        var urls = names.Select(Server.Image)
            .Concat(new[] { "missing.jpg", "page.jpg", "truncated.jpg", "to-file.jpg", "copy/" + names[0] }.Select(Server.Hostile))
            .Append(Server.Image(names[1])) // the same URL twice counts once
            .ToList();

        var first = await Downloader().DownloadAsync(Out, urls.Select(u => new DownloadItem(u)));
        int downloads = Server.Downloads;
        var manifest = File.ReadAllText(Path.Combine(Out, "manifest.jsonl"));
        var second = await Downloader().DownloadAsync(Out, urls.Select(u => new DownloadItem(u)));

        Assert.Equal(new DownloadReport(Out, 9, 0, 4, 1, 4), first);
        Assert.Equal(new DownloadReport(Out, 9, 9, 0, 0, 0), second);
        Assert.Equal(downloads, Server.Downloads);
        Assert.Equal(manifest, File.ReadAllText(Path.Combine(Out, "manifest.jsonl")));
        var images = ImageFiles.Get(Out);
        Assert.Equal(["00000001.jpg", "00000002.jpg", "00000003.jpg", "00000004.jpg"], images.Select(Path.GetFileName).Order());
        Assert.Empty(ImageVerifier.Verify(images));
        Assert.Equal(names.Select(n => Server.Images[n]).Select(Convert.ToBase64String).Order(), images.Select(File.ReadAllBytes).Select(Convert.ToBase64String).Order());
        Assert.All(Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories), f => Assert.StartsWith(Out + Path.DirectorySeparatorChar, f));
    }

    [Fact]
    public async Task Stopping_midway_leaves_a_manifest_the_next_run_resumes_from_without_fetching_anything_twice()
    {
        var names = web.Samples(6, skip: 20);
        var items = names.Select(n => new DownloadItem(Server.Image(n))).ToList();
        using var stop = new CancellationTokenSource();
        var stopAfterTwo = new Progress(entry => { if (entry == 2) stop.Cancel(); });

        var first = await Downloader(Web.FastOptions(_clock, parallelism: 1)).DownloadAsync(Out, items, stopAfterTwo, stop.Token);
        var second = await Downloader().DownloadAsync(Out, items);

        Assert.Equal(2, first.Kept);
        Assert.Equal((2, 4), (second.AlreadyDone, second.Kept));
        Assert.All(names, n => Assert.Equal(1, Server.Requests("img/" + n)));
        Assert.Equal(6, ImageDownloader.ReadManifest(Out).Count);
        Assert.Equal(6, ImageFiles.Get(Out).Count);
    }

    [Fact]
    public async Task Files_are_numbered_in_list_order_whatever_finishes_first_and_a_failure_leaves_a_gap()
    {
        var names = web.Samples(2, skip: 32);
        var first = Server.Hostile("slow.jpg?ms=300"); // the first in the list finishes last

        await Downloader().DownloadAsync(Out, [new DownloadItem(first), new DownloadItem(Server.Hostile("missing.jpg")), new DownloadItem(Server.Image(names[1]))]);

        var byUrl = ImageDownloader.ReadManifest(Out).ToDictionary(e => e.Url, e => e.File);
        Assert.Equal("00000001.jpg", byUrl[first]);
        Assert.Null(byUrl[Server.Hostile("missing.jpg")]);
        Assert.Equal("00000003.jpg", byUrl[Server.Image(names[1])]);
    }

    [Fact]
    public async Task A_file_already_in_the_folder_is_never_overwritten()
    {
        _temp.Write(Path.Combine("out", "00000001.jpg"), TestImages.Text("the user's own file"));

        var entry = await DownloadOne(Server.Image(web.Samples(1, skip: 30)[0]));

        Assert.Equal("00000002.jpg", entry.File);
        Assert.Equal("the user's own file", File.ReadAllText(Path.Combine(Out, "00000001.jpg")));
    }

    [Fact]
    public async Task An_image_half_written_when_a_run_crashed_is_not_an_image_and_the_next_run_completes()
    {
        var urls = web.Samples(2, skip: 34).Select(Server.Image).ToList();
        await Downloader().DownloadAsync(Out, [new DownloadItem(urls[0])]);
        string partial = _temp.Write(Path.Combine("out", "00000005.png.kodiak-partial"), Server.Images[web.Samples(1, skip: 35)[0]][..100]);

        var listedAfterTheCrash = ImageFiles.Get(Out);
        var report = await Downloader().DownloadAsync(Out, urls.Select(u => new DownloadItem(u)));

        Assert.Equal([Path.Combine(Out, "00000001.jpg")], listedAfterTheCrash);
        Assert.Equal((1, 1), (report.AlreadyDone, report.Kept));
        Assert.False(File.Exists(partial));
        Assert.Equal(["00000001.jpg", "00000002.jpg", "manifest.jsonl"], Directory.GetFiles(Out).Select(Path.GetFileName).Order());
        Assert.All(ImageFiles.Get(Out), image => ImageDecoder.Decode(image));
    }

    [Fact]
    public async Task A_damaged_manifest_is_an_error_naming_the_file_and_line()
    {
        await DownloadOne(Server.Image(web.Samples(1, skip: 31)[0]));
        File.AppendAllText(Path.Combine(Out, "manifest.jsonl"), "{not json\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Downloader().DownloadAsync(Out, [new DownloadItem(Server.Image("x.jpg"))]));

        Assert.Contains(Path.Combine(Out, "manifest.jsonl") + " line 2", error.Message);
    }

    sealed class Progress(Action<int> finished) : IDownloadProgress
    {
        int _count;

        public void Started(string label, int toDownload, int alreadyDone)
        {
        }

        public void Finished(string label, ManifestEntry entry) => finished(Interlocked.Increment(ref _count));
    }
}
