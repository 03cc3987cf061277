using ClaudeBatch.Application.Common;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Persistence;

/// <summary>
/// Each unit of work is the <see cref="IEventStore"/> of a DI scope of its own: the same Marten session and Wolverine
/// outbox a request or a message gets, with the same error translation, just not shared with the caller's.
/// </summary>
internal sealed class ScopedEventStoreFactory(IServiceScopeFactory scopes) : IEventStoreFactory
{
    public IOwnedEventStore Open()
    {
        var scope = scopes.CreateAsyncScope();
        return new Owned(scope, scope.ServiceProvider.GetRequiredService<IEventStore>());
    }

    private sealed class Owned(AsyncServiceScope scope, IEventStore store) : IOwnedEventStore
    {
        public void Append(string streamKey, params object[] events) => store.Append(streamKey, events);

        public void AppendExpecting(string streamKey, long expectedVersion, params object[] events) =>
            store.AppendExpecting(streamKey, expectedVersion, events);

        public ValueTask EnqueueAsync(object message) => store.EnqueueAsync(message);

        public ValueTask EnqueueAsync(object message, TimeSpan delay) => store.EnqueueAsync(message, delay);

        public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, CancellationToken cancellationToken) =>
            store.ReadStreamAsync(streamKey, cancellationToken);

        public Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamKey, long afterVersion, CancellationToken cancellationToken) =>
            store.ReadStreamAsync(streamKey, afterVersion, cancellationToken);

        public Task<T?> AggregateAtAsync<T>(string streamKey, DateTimeOffset at, CancellationToken cancellationToken) where T : class =>
            store.AggregateAtAsync<T>(streamKey, at, cancellationToken);

        public Task<T?> AggregateAtVersionAsync<T>(string streamKey, long version, CancellationToken cancellationToken) where T : class =>
            store.AggregateAtVersionAsync<T>(streamKey, version, cancellationToken);

        public Task SaveChangesAsync(CancellationToken cancellationToken) => store.SaveChangesAsync(cancellationToken);

        public ValueTask DisposeAsync() => scope.DisposeAsync();
    }
}
