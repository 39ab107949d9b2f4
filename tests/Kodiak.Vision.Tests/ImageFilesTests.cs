using Kodiak.Testing;
namespace Kodiak.Vision.Tests;

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
}
