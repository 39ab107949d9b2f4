using System.Text.Json;
using Kodiak.Testing;
using Kodiak.Vision.Files;

namespace Kodiak.Cleaning.Tests;

public sealed class DataCleanerTests : IDisposable
{
    readonly PlantedData _data = new();
    readonly DataCleaner _cleaner;

    public DataCleanerTests() => _cleaner = new DataCleaner(_data.Data);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Delete_moves_to_the_trash_and_relabel_to_the_class_folder_journaling_each_move()
    {
        byte[] deleted = File.ReadAllBytes(_data.Full(PlantedData.CopiedAcrossClasses));

        var entries = _cleaner.Apply([CleaningChange.Delete(PlantedData.CopiedAcrossClasses), CleaningChange.Relabel(PlantedData.WrongClass, "red")]);

        Assert.False(File.Exists(_data.Full(PlantedData.CopiedAcrossClasses)));
        Assert.Equal(deleted, File.ReadAllBytes(_data.Full(".kodiak-trash/blue/r0.png")));
        Assert.False(File.Exists(_data.Full(PlantedData.WrongClass)));
        Assert.True(File.Exists(_data.Full("red/r9.png")));
        var journal = File.ReadAllLines(_cleaner.JournalPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, journal.Count);
        Assert.Equal(["delete", "relabel"], journal.Select(j => j.GetProperty("action").GetString()));
        Assert.Equal([PlantedData.CopiedAcrossClasses, PlantedData.WrongClass], journal.Select(j => j.GetProperty("from").GetString()));
        Assert.Equal([".kodiak-trash/blue/r0.png", "red/r9.png"], journal.Select(j => j.GetProperty("to").GetString()));
        Assert.Single(journal.Select(j => j.GetProperty("batch").GetString()).Distinct());
        Assert.All(journal, j => Assert.True(j.GetProperty("time").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(entries.Select(e => e.To), journal.Select(j => j.GetProperty("to").GetString()));
    }

    [Fact]
    public void Trash_and_journal_are_not_images_of_the_data()
    {
        _cleaner.Apply([CleaningChange.Delete(PlantedData.Outlier)]);

        var files = ImageFiles.Get(_data.Data).Select(f => Path.GetRelativePath(_data.Data, f)).ToList();

        Assert.True(File.Exists(_cleaner.JournalPath));
        Assert.DoesNotContain(files, f => f.Contains(".kodiak-", StringComparison.Ordinal));
        Assert.DoesNotContain(PlantedData.Outlier, files);
    }

    [Fact]
    public void A_name_clash_renames_instead_of_overwriting()
    {
        File.Copy(_data.Full("green/g1.png"), _data.Full("red/g1.png"));
        byte[] original = File.ReadAllBytes(_data.Full("red/g1.png"));
        _cleaner.Apply([CleaningChange.Delete("red/r1.png")]);
        File.Copy(_data.Full("red/r2.png"), _data.Full("red/r1.png"));

        var entries = _cleaner.Apply([CleaningChange.Relabel("green/g1.png", "red"), CleaningChange.Delete("red/r1.png")]);

        Assert.Equal(["red/g1 (2).png", ".kodiak-trash/red/r1 (2).png"], entries.Select(e => e.To));
        Assert.Equal(original, File.ReadAllBytes(_data.Full("red/g1.png")));
        Assert.True(File.Exists(_data.Full(".kodiak-trash/red/r1.png")));
    }

    [Fact]
    public void Apply_then_undo_restores_every_file_byte_for_byte()
    {
        var before = _data.Snapshot();

        _cleaner.Apply([CleaningChange.Delete(PlantedData.CopiedAcrossClasses), CleaningChange.Relabel(PlantedData.WrongClass, "red")]);
        Directory.CreateDirectory(_data.Full("purple"));
        _cleaner.Apply([CleaningChange.Delete(PlantedData.LeakValid), CleaningChange.Relabel("blue/b2.png", "purple")]);
        Assert.True(File.Exists(_data.Full("purple/b2.png")));
        var undone = _cleaner.Undo();

        Assert.Equal(["blue/b2.png", PlantedData.LeakValid], undone.Select(e => e.To));
        Assert.True(File.Exists(_data.Full("red/r9.png")));
        var all = _cleaner.Undo(all: true);
        Assert.Equal(2, all.Count);
        Assert.Empty(_cleaner.Undo());
        var after = _data.Snapshot().Where(f => f.Key != DataCleaner.JournalFile).ToDictionary();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, f => Assert.Equal(f.Value, after[f.Key]));
        Assert.Equal(8, _cleaner.ReadJournal().Count);
    }

    [Fact]
    public void Undo_refuses_to_overwrite_a_file_that_took_the_old_place()
    {
        _cleaner.Apply([CleaningChange.Delete("red/r2.png")]);
        File.Copy(_data.Full("red/r3.png"), _data.Full("red/r2.png"));
        byte[] newcomer = File.ReadAllBytes(_data.Full("red/r2.png"));

        var error = Assert.Throws<CleaningRefusedException>(() => _cleaner.Undo());

        Assert.Contains("red/r2.png", error.Message);
        Assert.Equal(newcomer, File.ReadAllBytes(_data.Full("red/r2.png")));
        Assert.True(File.Exists(_data.Full(".kodiak-trash/red/r2.png")));
    }

    [Fact]
    public void A_batch_whose_relabel_took_the_place_of_its_delete_is_undone_whole()
    {
        // Gathered folders number their files alike: green/r3.png and red/r3.png.
        File.Copy(_data.Full("green/g1.png"), _data.Full("green/r3.png"));
        byte[] green = File.ReadAllBytes(_data.Full("green/r3.png")), red = File.ReadAllBytes(_data.Full("red/r3.png"));
        _cleaner.Apply([CleaningChange.Delete("green/r3.png"), CleaningChange.Relabel("red/r3.png", "green")]);
        Assert.Equal(red, File.ReadAllBytes(_data.Full("green/r3.png")));

        _cleaner.Undo();

        Assert.Equal(green, File.ReadAllBytes(_data.Full("green/r3.png")));
        Assert.Equal(red, File.ReadAllBytes(_data.Full("red/r3.png")));
    }

    [Fact]
    public void Undo_never_takes_a_file_from_outside_the_data_named_in_a_tampered_journal()
    {
        _cleaner.Apply([CleaningChange.Delete("red/r2.png")]);
        string outside = Path.Combine(Path.GetDirectoryName(_data.Data)!, "outside.png");
        File.Copy(_data.Full("red/r3.png"), outside, overwrite: true);
        File.WriteAllText(_cleaner.JournalPath, File.ReadAllText(_cleaner.JournalPath).Replace(".kodiak-trash/red/r2.png", "../outside.png"));

        Assert.Throws<CleaningRefusedException>(() => _cleaner.Undo());

        Assert.True(File.Exists(outside));
        Assert.False(File.Exists(_data.Full("red/r2.png")));
    }

    [Theory]
    [InlineData("../colours.kodiak")]
    [InlineData("red/../../colours.kodiak")]
    [InlineData("/etc/passwd")]
    [InlineData(".kodiak-trash/red/r1.png")]
    [InlineData(DataCleaner.JournalFile)]
    public void Paths_outside_the_data_or_inside_its_bookkeeping_are_refused_and_nothing_moves(string path)
    {
        var before = _data.Snapshot();

        var error = Assert.Throws<CleaningRefusedException>(() => _cleaner.Apply([CleaningChange.Delete("red/r1.png"), CleaningChange.Delete(path)]));

        Assert.Contains(path, error.Message);
        Assert.Equal(before.Keys.Order(), _data.Snapshot().Keys.Order());
    }

    [Theory]
    [InlineData("red/r1.png", "..")]
    [InlineData("red/r1.png", "blue/../green")]
    [InlineData("red/r1.png", ".kodiak-trash")]
    [InlineData("red/r1.png", "red")]
    [InlineData("red/r1.png", "grene")]
    [InlineData("red/missing.png", "blue")]
    public void Bad_relabels_are_refused_and_nothing_moves(string path, string label)
    {
        var before = _data.Snapshot();

        Assert.Throws<CleaningRefusedException>(() => _cleaner.Apply([CleaningChange.Delete("green/g2.png"), CleaningChange.Relabel(path, label)]));

        Assert.Equal(before.Keys.Order(), _data.Snapshot().Keys.Order());
    }
}
