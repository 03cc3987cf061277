namespace ClaudeBatch.Application.Common;

/// <summary>
/// Opens a unit of work of its own, committed independently of the caller's: a use case whose facts belong to another
/// stream than its caller's (a repository's pull, run by a job's pipeline) saves them itself, and neither unit of work
/// can drop or hold back the other's.
/// </summary>
public interface IEventStoreFactory
{
    /// <summary>A new unit of work on a session of its own; disposing it drops whatever it did not save.</summary>
    IOwnedEventStore Open();
}

/// <summary>An <see cref="IEventStore"/> the caller opened and must dispose.</summary>
public interface IOwnedEventStore : IEventStore, IAsyncDisposable
{
}
