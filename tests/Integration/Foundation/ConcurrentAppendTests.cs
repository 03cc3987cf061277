using ClaudeBatch.Application.Common;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Foundation;

/// <summary>
/// Unversioned appends to one stream from two writers at once (the pipeline recording the agent while a user
/// cancels) must both land: neither may fail with a conflict.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ConcurrentAppendTests(ApiFactory api)
{
    [Fact]
    public async Task Two_writers_appending_to_one_stream_at_once_both_succeed_every_time()
    {
        var jobId = Guid.NewGuid().ToString();
        var stream = JobStream.For(jobId);

        async Task WriterAsync(string who)
        {
            for (var i = 0; i < 60; i++)
            {
                await using var scope = api.Services.CreateAsyncScope();
                var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
                store.Append(stream, new AgentSaid(jobId, $"{who} {i}", DateTimeOffset.UtcNow));
                await store.SaveChangesAsync(CancellationToken.None);
            }
        }

        await Task.WhenAll(WriterAsync("a"), WriterAsync("b"), WriterAsync("c"));
        await Task.WhenAll(WriterAsync("d"), WriterAsync("e"));

        await using var read = api.Services.CreateAsyncScope();
        var events = await read.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(stream, CancellationToken.None);
        events.Count.ShouldBe(300);
        events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, 300).Select(v => (long)v));
    }
}
