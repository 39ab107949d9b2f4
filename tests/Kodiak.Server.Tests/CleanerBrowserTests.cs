using Kodiak.Cleaning;
using Kodiak.Testing;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Kodiak.Server.Tests;

/// <summary>The cleaner page in Chromium (as <see cref="BrowserTests"/>), on a planted data folder of its own.</summary>
public sealed class CleanerBrowserTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("desktop", 1280, 800)]
    [InlineData("phone", 390, 844)]
    public async Task Choices_survive_switching_then_apply_moves_the_files_and_undo_puts_them_back(string device, int width, int height)
    {
        await using var cleaner = await CleanerApp.StartAsync();
        var data = cleaner.Data;
        var before = data.Snapshot();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserTests.Launch(playwright);
        var page = await BrowserTests.NewPage(browser, device, width, height);

        await page.GotoAsync(cleaner.Url.ToString());
        await Expect(page.Locator("#title")).ToHaveTextAsync("Clean data");
        await Expect(page.Locator("#summary")).ToContainTextAsync("22 images in");
        await Shown(page.Locator("#class").SelectOptionAsync("blue"), page);
        await Choose(page, PlantedData.CopiedAcrossClasses, "delete");
        await Shown(page.Locator("#class").SelectOptionAsync("green"), page);
        await Expect(Card(page, PlantedData.WrongClass).Locator(".facts .wrong")).ToHaveTextAsync("red");
        await Choose(page, PlantedData.WrongClass, "class:red");
        await Expect(page.Locator("#pending")).ToHaveTextAsync("2 pending changes: 1 to delete, 1 to relabel");

        // Every other view shows the same choices.
        await Shown(page.Locator("#tab-mislabeled").ClickAsync(), page);
        await Expect(Card(page, PlantedData.CopiedAcrossClasses).Locator("select")).ToHaveValueAsync("delete");
        await Expect(Card(page, PlantedData.WrongClass).Locator("select")).ToHaveValueAsync("class:red");
        await Expect(Card(page, PlantedData.CopiedAcrossClasses)).ToHaveClassAsync("card delete");
        await Shown(page.Locator("#tab-duplicates").ClickAsync(), page);
        var copies = await Card(page, PlantedData.CopiedAcrossClasses).AllAsync();
        Assert.True(copies.Count >= 2, $"{PlantedData.CopiedAcrossClasses} is in {copies.Count} pairs");
        foreach (var copy in copies)
            await Expect(copy.Locator("select")).ToHaveValueAsync("delete");
        var topTwo = await page.Locator(".pair > p").EvaluateAllAsync<string[]>("ps => ps.slice(0, 2).map(p => [...p.children].map(t => t.textContent).join(' | '))");
        Assert.Equal(["similarity 1.000 | different classes", "similarity 1.000 | train and valid"], topTwo.Order());
        await Screenshot(page, $"cleaner-{device}-duplicates.png", width);
        await Shown(page.Locator("#tab-loss").ClickAsync(), page);
        await Shown(page.Locator("#class").SelectOptionAsync("blue"), page);
        await Shown(page.Locator("input[name=split][value=train]").CheckAsync(new LocatorCheckOptions { Force = true }), page);
        await Expect(Card(page, PlantedData.CopiedAcrossClasses).Locator("select")).ToHaveValueAsync("delete");
        await Shown(page.Locator("#tab-mislabeled").ClickAsync(), page);
        await Screenshot(page, $"cleaner-{device}.png", width);

        await page.Locator("#apply").ClickAsync();

        await Expect(page.Locator("#changed-title")).ToHaveTextAsync("Applied: 2 files moved.");
        await Expect(page.Locator("#moves li")).ToHaveTextAsync([
            $"delete: {PlantedData.CopiedAcrossClasses} → .kodiak-trash/blue/r0.png",
            $"relabel: {PlantedData.WrongClass} → red/r9.png",
        ]);
        await Expect(page.Locator("#pending")).ToHaveTextAsync("No pending changes");
        await Expect(page.Locator("#summary")).ToContainTextAsync("21 images in");
        await Expect(page.Locator(".card")).ToHaveCountAsync(0);
        Assert.Equal(before[PlantedData.CopiedAcrossClasses], await File.ReadAllBytesAsync(data.Full(".kodiak-trash/blue/r0.png")));
        Assert.Equal(before[PlantedData.WrongClass], await File.ReadAllBytesAsync(data.Full("red/r9.png")));
        Assert.False(File.Exists(data.Full(PlantedData.CopiedAcrossClasses)));
        Assert.False(File.Exists(data.Full(PlantedData.WrongClass)));
        var journal = new DataCleaner(data.Data).ReadJournal();
        Assert.Equal([("delete", PlantedData.CopiedAcrossClasses), ("relabel", PlantedData.WrongClass)], journal.Select(e => (e.Action, e.From)));
        await Shown(page.Locator("#tab-loss").ClickAsync(), page);
        await Shown(page.Locator("#class").SelectOptionAsync("red"), page);
        await Shown(page.Locator("input[name=split][value=all]").CheckAsync(new LocatorCheckOptions { Force = true }), page);
        await Expect(Card(page, "red/r9.png").Locator(".facts dd").Nth(1)).ToHaveTextAsync("red");
        await Screenshot(page, $"cleaner-{device}-applied.png", width);

        await page.Locator("#undo").ClickAsync();

        await Expect(page.Locator("#changed-title")).ToHaveTextAsync("Undone: 2 files put back.");
        await Expect(Card(page, "red/r9.png")).ToHaveCountAsync(0);
        var after = data.Snapshot().Where(f => f.Key != DataCleaner.JournalFile).ToDictionary();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        Assert.True(await page.Locator("#error").IsHiddenAsync());
    }

    /// <summary>Does <paramref name="action"/> and waits until the list it asked for is on the page (not the one before).</summary>
    static async Task Shown(Task action, IPage page)
    {
        await action;
        await Expect(page.Locator("#list")).ToHaveAttributeAsync("aria-busy", "false");
    }

    static ILocator Card(IPage page, string path) => page.Locator($".card[data-path=\"{path}\"]");

    static async Task Choose(IPage page, string path, string choice)
    {
        var select = Card(page, path).Locator("select");
        await select.SelectOptionAsync(choice);
        await Expect(Card(page, path)).ToHaveClassAsync(choice == "delete" ? "card delete" : "card relabel");
    }

    /// <summary>Saves a full-page screenshot once every image has loaded, and checks the page does not scroll sideways.</summary>
    async Task Screenshot(IPage page, string name, int width)
    {
        await page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)", null,
            new PageWaitForFunctionOptions { PollingInterval = 100 });
        string path = Path.Combine(BrowserTests.Screenshots, name);
        Directory.CreateDirectory(BrowserTests.Screenshots);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot {path}");
        int overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{name}: the page is {overflow} px wider than the {width} px viewport");
    }
}
