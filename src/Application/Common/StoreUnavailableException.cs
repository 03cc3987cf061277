namespace ClaudeBatch.Application.Common;

/// <summary>
/// The store could not be reached (refused, dropped or timed-out connection); nothing was written and the same
/// change can be tried again later.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
