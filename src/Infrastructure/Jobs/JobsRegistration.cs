using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

public static class JobsRegistration
{
    public static IServiceCollection AddJobAdapters(this IServiceCollection services)
    {
        // First of the job services to start: nothing may recover or run this node's jobs before it holds its name.
        services.AddSingleton<NodeMembership>();
        services.AddSingleton<INodeDirectory>(sp => sp.GetRequiredService<NodeMembership>());
        services.AddSingleton<INodeHistory>(sp => sp.GetRequiredService<NodeMembership>());
        services.AddHostedService(sp => sp.GetRequiredService<NodeMembership>());
        services.AddSingleton<JobPaths>();
        services.AddScoped<JobPipeline>();
        services.AddSingleton<JobMetrics>();
        services.AddScoped<TakeOverLostJob>();
        services.AddSingleton<Application.Repositories.IGitClient, LibGit2Client>();
        services.AddSingleton<IWorkspaceCloner, Workspaces.CopyOnWriteWorkspaceCloner>();
        services.AddSingleton<IAgentRunner, ClaudeCodeRunner>();
        services.AddSingleton<Impersonation.UserProcesses>();
        services.AddSingleton<Processes.ProcessRunner>();
        services.AddSingleton(sp => JobCgroups.Detect(sp.GetRequiredService<JobsOptions>(), sp.GetRequiredService<ILogger<JobCgroups>>()));
        services.AddSingleton<IJobContainment>(sp => sp.GetRequiredService<JobCgroups>());
        services.AddSingleton<IJobIdentity, Impersonation.OsJobIdentity>();
        services.AddSingleton<IWorkspaceChanges, GitWorkspaceChanges>();
        services.AddSingleton<IWorkspaceCommits, GitWorkspaceCommits>();
        services.AddSingleton<ISystemPrompts, FileSystemPrompts>();
        services.AddSingleton<JobCancellationRegistry>();
        services.AddSingleton<IJobCancellation>(sp => sp.GetRequiredService<JobCancellationRegistry>());
        services.AddSingleton<ClusterJobSlots>();
        services.AddSingleton<IJobSlots, FairJobScheduler>();
        services.AddSingleton<JobChangeSignals>();
        services.AddSingleton<IJobChanges>(sp => sp.GetRequiredService<JobChangeSignals>());
        services.AddSingleton(sp => new JobViewCache(sp.GetRequiredService<JobsOptions>().ViewCacheMegabytes * 1024L * 1024L));
        services.AddHostedService<JobViewListener>();
        services.AddScoped<RecoverInterruptedJobs.Handler>();
        services.AddScoped<RemoveExpiredWorkspaces.Handler>();
        services.AddHostedService<InterruptedJobsRecovery>();
        return services;
    }
}
