using System.Reflection;

namespace Kodiak.Inference.Tests;

/// <summary>Serving must never need libtorch: Kodiak.Inference stays on ONNX Runtime alone.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void Kodiak_Inference_does_not_reference_TorchSharp()
    {
        var references = Assembly.Load("Kodiak.Inference").GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "TorchSharp.dll")), "TorchSharp.dll was copied into an inference-only build.");
    }
}
