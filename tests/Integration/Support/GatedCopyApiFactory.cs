using System.Collections.Concurrent;
using ClaudeBatch.Application.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A server whose workspace copies wait at a gate the test opens, then run the real copy to its end whatever happens
/// meanwhile (as an uninterruptible reflink or a long <c>cp</c> would): the window in which a pipeline has taken a job
/// that still shows <c>queued</c> is held open for as long as a test needs it.
/// </summary>
public sealed class GatedCopyApiFactory : ApiFactory
{
    private readonly ConcurrentDictionary<string, Gate> gates = new();

    /// <summary>Completes when the copy of the workspace at <paramref name="workspace"/> reached the gate.</summary>
    public Task Reached(string workspace) => GateFor(workspace).Reached.Task;

    /// <summary>Lets that copy go on.</summary>
    public void Open(string workspace) => GateFor(workspace).Opened.TrySetResult();

    private Gate GateFor(string workspace) => gates.GetOrAdd(workspace, _ => new Gate());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var real = services.Last(d => d.ServiceType == typeof(IWorkspaceCloner));
            services.AddSingleton<IWorkspaceCloner>(sp =>
                new GatedCloner((IWorkspaceCloner)ActivatorUtilities.CreateInstance(sp, real.ImplementationType!), this));
        });
    }

    private sealed record Gate
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class GatedCloner(IWorkspaceCloner real, GatedCopyApiFactory factory) : IWorkspaceCloner
    {
        public async Task<WorkspaceCopy> CloneAsync(string masterPath, string workspacePath, CancellationToken cancellationToken)
        {
            var gate = factory.GateFor(workspacePath);
            gate.Reached.TrySetResult();
            await gate.Opened.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var copy = await real.CloneAsync(masterPath, workspacePath, CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return copy;
        }

        public Task<FolderRemoval> RemoveJobFolderAsync(string jobId, CancellationToken cancellationToken) =>
            real.RemoveJobFolderAsync(jobId, cancellationToken);

        public Task<FolderRemoval> RemoveWorkspaceAsync(string jobId, CancellationToken cancellationToken) =>
            real.RemoveWorkspaceAsync(jobId, cancellationToken);

        public Task<string> DetectStrategyAsync(CancellationToken cancellationToken) => real.DetectStrategyAsync(cancellationToken);

        public long AvailableBytes(string path) => real.AvailableBytes(path);
    }
}

[CollectionDefinition(Name)]
public sealed class GatedCopyCollection : ICollectionFixture<GatedCopyApiFactory>
{
    public const string Name = "api-gated-copy";
}
