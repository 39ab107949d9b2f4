using System.Diagnostics;
using Kodiak.Testing;

namespace Kodiak.ServeHost.Tests;

/// <summary>
/// kodiak-serve as it ships: <c>dotnet publish -r linux-x64 --self-contained</c> of src/Kodiak.ServeHost, once per test run,
/// into a temp folder (its build too, so the developer's bin and obj folders are left alone); deleted on dispose.
/// </summary>
public sealed class PublishedServer : IDisposable
{
    /// <summary>The xUnit collection of the tests that share the publish.</summary>
    public const string Collection = "published kodiak-serve";

    readonly TempFolder _folder = new();

    public PublishedServer()
    {
        string project = Path.Combine(Repository.Root(), "src", "Kodiak.ServeHost");
        Folder = Path.Combine(_folder.Path, "publish");
        // The dotnet that runs the tests (dotnet test sets DOTNET_HOST_PATH).
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            ArgumentList = { "publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", Folder,
                "--artifacts-path", Path.Combine(_folder.Path, "artifacts"), "-nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = Process.Start(start)!;
        var output = publish.StandardOutput.ReadToEndAsync();
        var error = publish.StandardError.ReadToEndAsync();
        publish.WaitForExit();
        Assert.True(publish.ExitCode == 0, $"dotnet publish failed: {output.Result}{error.Result}");
        // Only the publish is needed from here on: the build beside it is a few hundred MB.
        Directory.Delete(Path.Combine(_folder.Path, "artifacts"), recursive: true);
    }

    /// <summary>The publish folder.</summary>
    public string Folder { get; }

    /// <summary>The executable.</summary>
    public string Executable => Path.Combine(Folder, "kodiak-serve");

    public void Dispose() => _folder.Dispose();
}

/// <summary>The tests that share one publish of kodiak-serve.</summary>
[CollectionDefinition(PublishedServer.Collection)]
public sealed class PublishedServerCollection : ICollectionFixture<PublishedServer>;
