namespace Kodiak.Bundle;

/// <summary>A file kept beside a bundle rather than inside it, tied to the bundle by its SHA-256.</summary>
/// <param name="Name">The file's name, in the bundle's folder.</param>
/// <param name="Sha256">SHA-256 (lower-case hex) of its content.</param>
public sealed record CompanionFile(string Name, string Sha256);
