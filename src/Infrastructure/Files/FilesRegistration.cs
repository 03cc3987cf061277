using ClaudeBatch.Application.Files;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Files;

public static class FilesRegistration
{
    public static IServiceCollection AddFileAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IFileStaging, LocalFileStaging>();
        services.AddSingleton<IWorkspaceFiles, WorkspaceFileSystem>();
        return services;
    }
}
