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
        services.AddScoped<IAccessTokens, MartenAccessTokens>();
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<IAccessTokenCache>(sp => sp.GetRequiredService<AccessTokenCache>());
        services.AddHostedService<AccessTokenListener>();
        services.AddSingleton<AccessTokenUseRecorder>();
        services.AddSingleton<IAccessTokenUse>(sp => sp.GetRequiredService<AccessTokenUseRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<AccessTokenUseRecorder>());
        return services;
    }
}
