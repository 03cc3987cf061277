namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A server that may clone from private networks (<c>Repositories:AllowPrivateNetworks</c>): the only remote sources
/// tests may use are on loopback, which every other server refuses.
/// </summary>
public sealed class PrivateNetworksApiFactory : ApiFactory
{
    public PrivateNetworksApiFactory() => With("Repositories:AllowPrivateNetworks", "true");
}

[CollectionDefinition(Name)]
public sealed class PrivateNetworksCollection : ICollectionFixture<PrivateNetworksApiFactory>
{
    public const string Name = "api-private-networks";
}
