namespace ClaudeBatch.Application.Common;

/// <summary>Another writer changed the same stream first; the request can be retried against the new state.</summary>
public sealed class ConcurrencyConflictException(string message, Exception? inner = null) : Exception(message, inner);
