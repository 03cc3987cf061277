namespace ClaudeBatch.Integration.Tests.Deployment;

/// <summary>
/// The installer test publishes the server (ReadyToRun) and the client twice: minutes of both cores. Alone, after the
/// parallel tests (as the nodes tests), it neither starves the in-process servers beside it nor runs out of its own time
/// among them (it did, at the start of a run on a fresh machine: 6 minutes were not enough to publish once).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InstallerCollection
{
    public const string Name = "installer";
}
