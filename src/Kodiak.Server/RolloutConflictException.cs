namespace Kodiak.Server;

/// <summary>A promote or roll-back that cannot be done now (no candidate, nothing to roll back); serving is unchanged.</summary>
/// <param name="message">Why, in words.</param>
public sealed class RolloutConflictException(string message) : InvalidOperationException(message);
