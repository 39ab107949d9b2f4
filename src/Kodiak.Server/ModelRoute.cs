namespace Kodiak.Server;

/// <summary>Which models a request goes to.</summary>
/// <param name="Answer">The model whose prediction is the answer (<see cref="ModelRole.Primary"/> or <see cref="ModelRole.Canary"/>).</param>
/// <param name="OffPath">Models that also predict the image after the answer has been sent; their predictions only reach the sinks.</param>
public sealed record ModelRoute(RoutedModel Answer, IReadOnlyList<RoutedModel> OffPath);
