using System.Text;
using static TorchSharp.torch;

namespace Kodiak.Training.Tests;

/// <summary>The build-time fix in build/libtorch-compat: applied exactly when the system libstdc++ needs it.</summary>
public sealed class LibTorchCompatTests
{
    const string CompatName = "libkodiak_stdcxx_compat.so";

    [Fact]
    public void LibTorchSharp_is_patched_exactly_when_the_system_libstdcxx_lacks_GLIBCXX_3_4_32()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Empty(Directory.GetFiles(AppContext.BaseDirectory, CompatName, SearchOption.AllDirectories));
            return;
        }
        using (NewDisposeScope())
            Assert.Equal(1, ones(1).sum().item<float>()); // loads libtorch, so its libstdc++ is mapped

        var mapped = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "").ToList();
        string libstdcxx = mapped.First(path => Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal));
        bool systemIsNew = Contains(File.ReadAllBytes(libstdcxx), "GLIBCXX_3.4.32");

        // The copy libtorch was loaded from (the output folder, or runtimes/<rid>/native in a build for every platform).
        string loaded = mapped.First(path => Path.GetFileName(path) == "libLibTorchSharp.so");
        string native = Path.GetDirectoryName(loaded)!;
        Assert.StartsWith(AppContext.BaseDirectory, loaded);
        bool patched = Contains(File.ReadAllBytes(loaded), CompatName);

        Assert.Equal(!systemIsNew, patched);
        Assert.Equal(!systemIsNew, File.Exists(Path.Combine(native, CompatName)));
    }

    static bool Contains(byte[] bytes, string text) => bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
}
