namespace Kodiak.ServeHost.Tests;

/// <summary>The repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The folder holding Kodiak.sln, above the test's output folder.</summary>
    public static string Root()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Kodiak.sln")))
                return folder.FullName;
        }

        throw new InvalidOperationException($"No Kodiak.sln above {AppContext.BaseDirectory}.");
    }
}
