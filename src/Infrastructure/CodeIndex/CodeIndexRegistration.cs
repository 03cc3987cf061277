using ClaudeBatch.Application.CodeIndex;
using ClaudeBatch.Infrastructure.Containers;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.CodeIndex;

public static class CodeIndexRegistration
{
    public static IServiceCollection AddCodeIndexAdapters(this IServiceCollection services)
    {
        services.AddSingleton<CidxContainers>();
        services.AddSingleton<ICodeIndex, CidxCodeIndex>();
        return services;
    }
}
