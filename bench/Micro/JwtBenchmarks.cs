using System.Collections.Concurrent;
using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Micro;

/// <summary>
/// What validating a login token costs on every authenticated request (JsonWebTokenHandler with the server's
/// parameters: HS256, issuer, audience, lifetime), against the floor of finding the same token in a dictionary.
/// </summary>
[MemoryDiagnoser]
public class JwtValidation
{
    private readonly JsonWebTokenHandler handler = new();
    private readonly ConcurrentDictionary<string, ClaimsIdentity> seen = new(StringComparer.Ordinal);
    private TokenValidationParameters parameters = null!;
    private string token = "";

    [GlobalSetup]
    public void Setup()
    {
        var key = new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48));
        parameters = new TokenValidationParameters
        {
            ValidIssuer = "claude-batch-server", ValidAudience = "claude-batch-clients", IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256], RequireSignedTokens = true, RequireExpirationTime = true,
            ValidateIssuer = true, ValidateAudience = true, ValidateLifetime = true, ValidateIssuerSigningKey = true,
            NameClaimType = JwtRegisteredClaimNames.Sub,
        };
        token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "claude-batch-server", Audience = "claude-batch-clients", Expires = DateTime.UtcNow.AddHours(24),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
            Subject = new ClaimsIdentity([new Claim("sub", "alice"), new Claim("name", "alice"), new Claim("jti", Guid.NewGuid().ToString("N"))]),
        });
        seen[token] = new ClaimsIdentity();
        if (!Validate().Result)
        {
            throw new InvalidOperationException("The token should validate.");
        }
    }

    [Benchmark]
    public async Task<bool> Validate() => (await handler.ValidateTokenAsync(token, parameters)).IsValid;

    [Benchmark(Baseline = true)]
    public bool Lookup() => seen.TryGetValue(token, out _);
}
