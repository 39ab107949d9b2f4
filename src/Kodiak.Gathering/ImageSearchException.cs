namespace Kodiak.Gathering;

/// <summary>A search provider cannot be used: no key, a rejected key, a refusal, or an answer we cannot read.</summary>
public sealed class ImageSearchException(string message, Exception? innerException = null) : Exception(message, innerException);
