using ClaudeBatch.Application.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace ClaudeBatch.Infrastructure.Identity;

public static class IdentityRegistration
{
    public static IServiceCollection AddIdentityAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IPasswordVerifier, ShadowPasswordVerifier>();
        services.AddSingleton<IAccountDirectory, PasswdAccountDirectory>();
        services.AddSingleton<IAccountStates, AccountStateCache>();
        services.AddSingleton<LoginFailureLimiter>();
        services.AddSingleton<ITokenIssuer, JwtTokenIssuer>();
        services.AddSingleton<RevocationList>();
        services.AddSingleton<IRevocationList>(sp => sp.GetRequiredService<RevocationList>());
        services.AddHostedService<RevocationListener>();
        return services;
    }
}
