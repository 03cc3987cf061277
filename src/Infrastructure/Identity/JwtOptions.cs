using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary><c>Jwt</c>: how tokens are signed and for how long they hold.</summary>
public sealed class JwtOptions
{
    public const string Section = "Jwt";

    /// <summary>The key printed in the README; refused outside Development.</summary>
    public const string SampleKey = "dev-only-sample-key-change-me-0123456789abcdef";

    public const int MinKeyBytes = 32;

    public string Key { get; set; } = "";

    public double ExpiryHours { get; set; } = 24;

    public string Issuer { get; set; } = "claude-batch-server";

    public string Audience { get; set; } = "claude-batch-clients";

    public int ClockSkewSeconds { get; set; } = 30;

    public SymmetricSecurityKey SigningKey() => new(Encoding.UTF8.GetBytes(Key));
}
