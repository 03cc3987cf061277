using ClaudeBatch.Application.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClaudeBatch.Infrastructure.Jobs;

/// <summary>At start, ends the jobs this server's previous life left running (see <see cref="RecoverInterruptedJobs"/>).</summary>
internal sealed class InterruptedJobsRecovery(IServiceScopeFactory scopes, ILogger<InterruptedJobsRecovery> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var recovered = await scope.ServiceProvider.GetRequiredService<RecoverInterruptedJobs.Handler>()
            .HandleAsync(new RecoverInterruptedJobs(), cancellationToken);
        if (recovered > 0)
        {
            logger.LogWarning("{Count} job(s) interrupted by the previous stop of this server were marked failed", recovered);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
