using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Jobs;

public static class JobsRegistration
{
    public static IServiceCollection AddJobAdapters(this IServiceCollection services)
    {
        services.AddSingleton<JobPaths>();
        services.AddScoped<JobPipeline>();
        services.AddSingleton<IGitClient, LibGit2Client>();
        services.AddSingleton<IWorkspaceCloner, Workspaces.CopyOnWriteWorkspaceCloner>();
        services.AddSingleton<IAgentRunner, ClaudeCodeRunner>();
        services.AddSingleton<ISystemPrompts, FileSystemPrompts>();
        services.AddSingleton<IJobCancellation, JobCancellationRegistry>();
        services.AddHostedService<InterruptedJobsRecovery>();
        return services;
    }
}
