using ClaudeBatch.Application.Common;
using ClaudeBatch.Application.Identity;
using ClaudeBatch.Domain.Identity;
using ClaudeBatch.Integration.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Foundation;

[Collection(ApiCollection.Name)]
public sealed class EventStoreTests(ApiFactory api)
{
    [Fact]
    public async Task An_event_appended_through_the_port_is_read_back_by_its_projection_and_in_its_stream()
    {
        var tokenId = Guid.NewGuid().ToString("N");
        var username = "u" + tokenId[..8];
        var at = DateTimeOffset.UtcNow;

        using (var scope = api.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IEventStore>();
            store.Append(AccountStream.For(username), new TokenRevoked(username, tokenId, at, at.AddHours(1)));
            await store.SaveChangesAsync(CancellationToken.None);
        }

        using (var scope = api.Services.CreateScope())
        {
            var view = await scope.ServiceProvider.GetRequiredService<IReadModels>().LoadAsync<RevokedToken>(tokenId, CancellationToken.None);
            view.ShouldNotBeNull();
            view.Username.ShouldBe(username);
            view.ExpiresAt.ShouldBe(at.AddHours(1), TimeSpan.FromMilliseconds(1));

            var stream = await scope.ServiceProvider.GetRequiredService<IEventStore>().ReadStreamAsync(AccountStream.For(username), CancellationToken.None);
            stream.ShouldHaveSingleItem().Type.ShouldBe(nameof(TokenRevoked));
            stream[0].Version.ShouldBe(1);
        }
    }

    [Fact]
    public async Task Nothing_is_stored_when_the_unit_of_work_is_not_committed()
    {
        var tokenId = Guid.NewGuid().ToString("N");
        using (var scope = api.Services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<IEventStore>()
                .Append(AccountStream.For("nobody"), new TokenRevoked("nobody", tokenId, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow));
        }

        using (var scope = api.Services.CreateScope())
        {
            (await scope.ServiceProvider.GetRequiredService<IReadModels>().LoadAsync<RevokedToken>(tokenId, CancellationToken.None))
                .ShouldBeNull();
        }
    }
}
