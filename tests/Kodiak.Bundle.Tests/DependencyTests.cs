namespace Kodiak.Bundle.Tests;

/// <summary>The bundle format can be read anywhere .NET runs: Kodiak.Bundle needs nothing beyond the base library.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void Kodiak_Bundle_references_only_the_base_library()
    {
        var references = typeof(ModelBundle).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", name));
    }
}
