using Kodiak.Testing;
using Kodiak.Training.Data;

namespace Kodiak.Training.Tests.Data;

public sealed class LabelsTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ParentFolder_is_the_folder_name()
    {
        Assert.Equal("grizzly", Labels.ParentFolder(Path.Combine("bears", "grizzly", "1.jpg")));
    }

    [Fact]
    public void FromRegex_takes_the_first_group_of_the_file_name_and_names_a_file_that_does_not_match()
    {
        var label = Labels.FromRegex(@"^(.+)_\d+\.jpg$");

        Assert.Equal("great_pyrenees", label("/pets/great_pyrenees_12.jpg"));
        var error = Assert.Throws<InvalidDataException>(() => label("/pets/oops.png"));
        Assert.Contains("oops.png", error.Message);
        Assert.Throws<ArgumentException>(() => Labels.FromRegex(@"\d+"));
    }

    [Fact]
    public void FromCsv_maps_files_to_labels_and_reports_a_missing_column()
    {
        string csv = _temp.Write("labels.csv", "file,label\nx/1.jpg,teddy\n"u8.ToArray());

        Assert.Equal("teddy", Labels.FromCsv(csv)(Path.Combine(_temp.Path, "x", "1.jpg")));
        Assert.Throws<InvalidDataException>(() => Labels.FromCsv(csv)(Path.Combine(_temp.Path, "x", "2.jpg")));
        var error = Assert.Throws<InvalidDataException>(() => Labels.FromCsv(csv, labelColumn: "class"));
        Assert.Contains("'class'", error.Message);
    }
}
