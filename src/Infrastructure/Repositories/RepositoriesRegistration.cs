using ClaudeBatch.Application.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace ClaudeBatch.Infrastructure.Repositories;

public static class RepositoriesRegistration
{
    public static IServiceCollection AddRepositoryAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IMasterClones, LibGit2MasterClones>();
        services.AddSingleton<IBranchPublisher, LibGit2BranchPublisher>();
        services.AddSingleton<ISecretProtector, AesGcmSecretProtector>();
        services.AddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<IRepositoryLock, PostgresRepositoryLock>();
        services.AddScoped<IActiveJobs, ActiveJobsQuery>();
        services.AddScoped<CloneRepository.Handler>();
        services.AddScoped<RecordCloneFailure.Handler>();
        services.AddSingleton(sp => NpgsqlDataSource.Create(Persistence.PersistenceRegistration.ForPooling(
            sp.GetRequiredService<IConfiguration>().GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set."))));
        return services;
    }
}
