using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

public static class RepositoryLoading
{
    /// <summary>Rebuilds the <see cref="Repository"/> aggregate from its stream (an empty one if never registered).</summary>
    public static async Task<Repository> LoadRepositoryAsync(this IEventStore store, string name, CancellationToken cancellationToken) =>
        Repository.From((await store.ReadStreamAsync(RepositoryStream.For(name), cancellationToken)).Select(e => e.Data));
}
