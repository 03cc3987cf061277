namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// The tests that run several real server processes at once (two or three nodes, each starting, compiling and
/// polling): alone, after the others, so that their load does not starve the in-process servers of the tests running
/// beside them on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NodesCollection
{
    public const string Name = "nodes";
}
