using System.Security.Claims;
using System.Security.Cryptography;
using ClaudeBatch.Infrastructure.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Unit.Tests.Identity;

public sealed class RememberingTokenHandlerTests
{
    private static readonly SymmetricSecurityKey Key = new(RandomNumberGenerator.GetBytes(48));

    private static TokenValidationParameters Parameters(SecurityKey key) => new()
    {
        ValidIssuer = "claude-batch-server",
        ValidAudience = "claude-batch-clients",
        IssuerSigningKey = key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
    };

    private static string Token(DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "claude-batch-server",
        Audience = "claude-batch-clients",
        Expires = expires,
        SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
        Subject = new ClaimsIdentity([new Claim("sub", "alice"), new Claim("jti", Guid.NewGuid().ToString("N"))]),
    });

    [Fact]
    public async Task A_valid_token_is_answered_from_memory_the_second_time()
    {
        var handler = new RememberingTokenHandler(new Clock(DateTimeOffset.UtcNow));
        var parameters = Parameters(Key);
        var token = Token(DateTime.UtcNow.AddHours(1));

        var first = await handler.ValidateTokenAsync(token, parameters);
        var second = await handler.ValidateTokenAsync(token, parameters);

        first.IsValid.ShouldBeTrue();
        second.ShouldBeSameAs(first);
    }

    [Fact]
    public async Task A_valid_token_is_answered_from_memory_when_the_parameters_come_as_a_clone_as_JwtBearer_passes_them_on_every_request()
    {
        var handler = new RememberingTokenHandler(new Clock(DateTimeOffset.UtcNow));
        var parameters = Parameters(Key);
        var token = Token(DateTime.UtcNow.AddHours(1));

        var first = await handler.ValidateTokenAsync(token, parameters.Clone());
        var second = await handler.ValidateTokenAsync(token, parameters.Clone());

        first.IsValid.ShouldBeTrue();
        second.ShouldBeSameAs(first);
    }

    [Fact]
    public async Task A_clone_with_another_audience_issuer_or_lifetime_rule_is_not_answered_from_memory()
    {
        var handler = new RememberingTokenHandler(TimeProvider.System);
        var parameters = Parameters(Key);
        var token = Token(DateTime.UtcNow.AddHours(1));
        var first = await handler.ValidateTokenAsync(token, parameters.Clone());
        first.IsValid.ShouldBeTrue();

        var audience = parameters.Clone();
        audience.ValidAudience = "someone-else";
        (await handler.ValidateTokenAsync(token, audience)).IsValid.ShouldBeFalse();
        var issuer = parameters.Clone();
        issuer.ValidIssuer = "someone-else";
        (await handler.ValidateTokenAsync(token, issuer)).IsValid.ShouldBeFalse();
        var lifetime = parameters.Clone();
        lifetime.ValidateLifetime = false;
        (await handler.ValidateTokenAsync(token, lifetime)).ShouldNotBeSameAs(first);
    }

    [Fact]
    public async Task A_token_that_differs_in_one_character_of_its_signature_is_refused_though_the_original_is_remembered()
    {
        var handler = new RememberingTokenHandler(TimeProvider.System);
        var parameters = Parameters(Key);
        var token = Token(DateTime.UtcNow.AddHours(1));
        (await handler.ValidateTokenAsync(token, parameters)).IsValid.ShouldBeTrue();

        var last = token[^2];
        var forged = token[..^2] + (last == 'A' ? 'B' : 'A') + token[^1];

        (await handler.ValidateTokenAsync(forged, parameters)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public async Task A_remembered_token_is_validated_again_once_it_has_expired_by_the_clock()
    {
        var clock = new Clock(DateTimeOffset.UtcNow);
        var handler = new RememberingTokenHandler(clock);
        var parameters = Parameters(Key);
        var token = Token(DateTime.UtcNow.AddHours(1));
        var first = await handler.ValidateTokenAsync(token, parameters);

        clock.Now += TimeSpan.FromHours(2);

        (await handler.ValidateTokenAsync(token, parameters)).ShouldNotBeSameAs(first);
    }

    [Fact]
    public async Task Other_validation_parameters_are_never_answered_from_what_was_remembered_under_the_first()
    {
        var handler = new RememberingTokenHandler(TimeProvider.System);
        var token = Token(DateTime.UtcNow.AddHours(1));
        (await handler.ValidateTokenAsync(token, Parameters(Key))).IsValid.ShouldBeTrue();

        var otherKey = Parameters(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(48)));

        (await handler.ValidateTokenAsync(token, otherKey)).IsValid.ShouldBeFalse();
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
