using Kodiak.Testing;
using Kodiak.Vision.Files;
namespace Kodiak.Vision.Tests.Files;

public sealed class ImageFilesTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public ImageFilesTests()
    {
        foreach (string file in new[]
        {
            "b.jpg", "A.PNG", "a.jpeg", "notes.txt", "c.Webp", "d.gif", "e.bmp", "f.tiff",
            "sub/z.jpg", "sub/deeper/y.JPG", "Sub2/x.png",
            ".kodiak-trash/old.jpg", "sub/.kodiak-journal/j.png",
        })
        {
            _temp.Write(file, [1]);
        }
    }

    public void Dispose() => _temp.Dispose();

    private string[] Relative(IEnumerable<string> paths) =>
        [.. paths.Select(path => Path.GetRelativePath(_temp.Path, path).Replace('\\', '/'))];

    [Fact]
    public void Get_Recursive_ListsImagesInOrdinalOrderSkippingKodiakFolders()
    {
        Assert.Equal(
            ["A.PNG", "Sub2/x.png", "a.jpeg", "b.jpg", "c.Webp", "d.gif", "e.bmp", "sub/deeper/y.JPG", "sub/z.jpg"],
            Relative(ImageFiles.Get(_temp.Path)));
    }

    [Fact]
    public void Get_NotRecursive_ListsTopLevelOnly()
    {
        Assert.Equal(["A.PNG", "a.jpeg", "b.jpg", "c.Webp", "d.gif", "e.bmp"], Relative(ImageFiles.Get(_temp.Path, recursive: false)));
    }

    [Fact]
    public void Get_ReturnsPathsUnderTheGivenFolder()
    {
        Assert.All(ImageFiles.Get(_temp.Path), path => Assert.StartsWith(_temp.Path, path));
    }

    [Fact]
    public void Get_MissingFolder_NamesIt()
    {
        string missing = Path.Combine(_temp.Path, "nope");

        var error = Assert.Throws<DirectoryNotFoundException>(() => ImageFiles.Get(missing));

        Assert.Contains(missing, error.Message);
    }

    [Theory]
    [InlineData(".kodiak-trash/red/r1.png", true)]
    [InlineData("red/.kodiak-x/r1.png", true)]
    [InlineData("red\\.kodiak-x\\r1.png", true)]
    [InlineData("red/r1.png", false)]
    [InlineData("red/kodiak-x.png", false)]
    public void IsReserved_is_true_exactly_for_the_paths_listing_skips(string relative, bool reserved)
    {
        Assert.Equal(reserved, ImageFiles.IsReserved(relative));
    }

    [Theory]
    [InlineData("grizzly", null)]
    [InlineData("", "a class name is empty")]
    [InlineData("..", "'..' is not a class name")]
    [InlineData(" teddy", "class name ' teddy' starts or ends with a space")]
    [InlineData("a/b", "class name 'a/b' cannot be a folder name")]
    [InlineData(".kodiak-x", "class name '.kodiak-x' starts with '.kodiak-'")]
    public void ClassNameProblem_names_what_is_wrong(string name, string? problem)
    {
        string? found = ImageFiles.ClassNameProblem(name);

        if (problem is null)
            Assert.Null(found);
        else
            Assert.StartsWith(problem, found);
    }

    [Fact]
    public void A_class_folder_that_ClassNameProblem_refuses_for_its_prefix_is_one_Get_skips()
    {
        _temp.Write(".kodiak-x/bear.jpg", [1]);

        Assert.NotNull(ImageFiles.ClassNameProblem(".kodiak-x"));
        Assert.DoesNotContain(".kodiak-x/bear.jpg", Relative(ImageFiles.Get(_temp.Path)));
    }

    [Fact]
    public void FreeName_never_takes_a_file_or_a_folder_that_exists()
    {
        _temp.Write("moved/a.jpg", [1]);
        Directory.CreateDirectory(Path.Combine(_temp.Path, "moved", "a (2).jpg"));

        Assert.Equal(Path.Combine(_temp.Path, "moved", "a (3).jpg"), ImageFiles.FreeName(Path.Combine(_temp.Path, "moved", "a.jpg")));
        Assert.Equal(Path.Combine(_temp.Path, "moved", "b.jpg"), ImageFiles.FreeName(Path.Combine(_temp.Path, "moved", "b.jpg")));
    }
}
