using ClaudeBatch.Application.Files;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Application.Workspaces;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClaudeBatch.Infrastructure.Configuration;

/// <summary>
/// Binds every configuration section to its typed options, expands <c>~</c> in paths, and validates on start,
/// so a bad value stops the server with a message that names the key (a list given one plain value too).
/// </summary>
public static class ServerOptionsRegistration
{
    public static readonly string[] CopyStrategies = ["auto", "btrfs-snapshot", "reflink", "full-copy"];

    public static IServiceCollection AddServerOptions(this IServiceCollection services, IConfiguration configuration) =>
        services.AddServerOptions(configuration, out _);

    /// <param name="jobs">
    /// The <c>Jobs</c> options the container will serve, for what must be set before the container exists (Wolverine's
    /// job queue and retention schedule); not yet checked: an invalid value stops the server at start.
    /// </param>
    public static IServiceCollection AddServerOptions(this IServiceCollection services, IConfiguration configuration, out JobsOptions jobs)
    {
        services.AddValidatedOptions<WorkspaceOptions>(configuration, WorkspaceOptions.Section, (o, check) =>
        {
            o.RepositoriesPath = HomePath.Expand(o.RepositoriesPath);
            o.JobsPath = HomePath.Expand(o.JobsPath);
            check(Path.IsPathFullyQualified(o.RepositoriesPath), "RepositoriesPath", "must be an absolute path");
            check(Path.IsPathFullyQualified(o.JobsPath), "JobsPath", "must be an absolute path");
            check(CopyStrategies.Contains(o.CopyStrategy), "CopyStrategy", $"must be one of {string.Join(", ", CopyStrategies)}");
            check(o.MinFreeBytes >= 0, "MinFreeBytes", "must not be negative");
        });

        jobs = services.AddValidatedOptionsBoundNow<JobsOptions>(configuration, JobsOptions.Section, (o, check) =>
        {
            check(o.MaxConcurrent is >= 1 and <= 1000, "MaxConcurrent", "must be between 1 and 1000");
            o.MaxRunningPerUser = o.MaxRunningPerUser == 0 ? o.MaxConcurrent : o.MaxRunningPerUser;
            check(o.MaxRunningPerUser >= 1 && o.MaxRunningPerUser <= o.MaxConcurrent, "MaxRunningPerUser", "must be between 1 and Jobs:MaxConcurrent (0 means Jobs:MaxConcurrent)");
            check(o.MaxQueued is >= 1 and <= JobsOptions.MaxQueuedLimit, "MaxQueued", $"must be between 1 and {JobsOptions.MaxQueuedLimit}");
            check(o.MaxQueuedPerUser >= 1 && o.MaxQueuedPerUser <= o.MaxQueued, "MaxQueuedPerUser", "must be between 1 and Jobs:MaxQueued");
            check(o.MaxStreamsPerUser is >= 1 and <= 10_000, "MaxStreamsPerUser", "must be between 1 and 10000");
            check(o.TimeoutHours is >= 1 and <= 24 * 30, "TimeoutHours", "must be between 1 and 720");
            check(o.DefaultTimeoutSeconds >= 1 && o.DefaultTimeoutSeconds <= o.TimeoutHours * 3600L,
                "DefaultTimeoutSeconds", "must be at least 1 and within Jobs:TimeoutHours");
            check(o.RetentionDays >= 0, "RetentionDays", "must not be negative (0 removes a workspace at the first sweep after its job ends)");
            check(Wolverine.CronSchedule.TryParse(o.RetentionSchedule, TimeZoneInfo.Utc, out _), "RetentionSchedule",
                $"'{o.RetentionSchedule}' is not a cron expression (5 fields, or 6 with seconds first)");
            check(o.NodeName is { Length: >= 1 and <= 63 } && o.NodeName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'),
                "NodeName", "must be 1 to 63 letters, digits, '.', '_' or '-'");
            check(o.NodeUrl is null || (Uri.TryCreate(o.NodeUrl, UriKind.Absolute, out var nodeUrl) && nodeUrl.Scheme is "http" or "https"
                && nodeUrl.PathAndQuery == "/" && string.IsNullOrEmpty(nodeUrl.UserInfo)),
                "NodeUrl", "must be an absolute http(s) address without a path or credentials, or unset");
            check(o.StreamHeartbeatSeconds is >= 1 and <= 3600, "StreamHeartbeatSeconds", "must be between 1 and 3600");
            check(o.MemoryLimitBytes is null or >= 16 * 1024 * 1024, "MemoryLimitBytes", "must be at least 16777216 (16 MiB), or unset for no limit");
            check(o.MaxProcesses is null or >= 16, "MaxProcesses", "must be at least 16 (it counts threads too), or unset for no limit");
            check(o.MaxDiffBytes is >= 1024 and <= 1L << 30, "MaxDiffBytes", "must be between 1024 and 1073741824 (1 GiB)");
            check(o.DiffTimeoutSeconds is >= 1 and <= 3600, "DiffTimeoutSeconds", "must be between 1 and 3600");
            check(o.ViewCacheMegabytes is >= 0 and <= 65_536, "ViewCacheMegabytes", "must be between 0 (no cache) and 65536");
            check(o.ListCacheMegabytes is >= 0 and <= 65_536, "ListCacheMegabytes", "must be between 0 (no cache) and 65536");
            check(o.ViewCacheReconcileSeconds is >= 1 and <= 86_400, "ViewCacheReconcileSeconds", "must be between 1 and 86400");
        });

        services.AddValidatedOptions<RepositoriesOptions>(configuration, RepositoriesOptions.Section, (o, check) =>
        {
            o.AllowedLocalRoots = o.AllowedLocalRoots.Select(HomePath.Expand).ToList();
            check(o.AllowedLocalRoots.All(Path.IsPathFullyQualified), "AllowedLocalRoots", "must list absolute paths");
        });

        services.AddValidatedOptions<AuthOptions>(configuration, AuthOptions.Section, (o, check) =>
        {
            o.ShadowFilePath = HomePath.Expand(o.ShadowFilePath);
            o.PasswdFilePath = HomePath.Expand(o.PasswdFilePath);
            o.GroupFilePath = HomePath.Expand(o.GroupFilePath);
            var limit = o.LoginRateLimit;
            check(limit.FailuresPerUserAndAddress >= 1, "LoginRateLimit:FailuresPerUserAndAddress", "must be at least 1");
            check(limit.FailuresPerUser >= limit.FailuresPerUserAndAddress, "LoginRateLimit:FailuresPerUser", "must be at least Auth:LoginRateLimit:FailuresPerUserAndAddress");
            check(limit.FailuresPerAddress >= 1, "LoginRateLimit:FailuresPerAddress", "must be at least 1");
            check(limit.WindowSeconds >= 1, "LoginRateLimit:WindowSeconds", "must be at least 1");
            check(limit.PermitLimitPerUser is null, "LoginRateLimit:PermitLimitPerUser",
                "was replaced by Auth:LoginRateLimit:FailuresPerUserAndAddress and Auth:LoginRateLimit:FailuresPerUser (only failed logins count now)");
            check(limit.PermitLimitPerAddress is null, "LoginRateLimit:PermitLimitPerAddress",
                "was replaced by Auth:LoginRateLimit:FailuresPerAddress (only failed logins count now)");
            check(o.RevocationReconcileSeconds >= 1, "RevocationReconcileSeconds", "must be at least 1");
        });

        services.AddValidatedOptions<Application.Identity.AccessTokenOptions>(configuration, Application.Identity.AccessTokenOptions.Section, (o, check) =>
            check(o.MaxTokenDays is >= 1 and <= 3650, "MaxTokenDays", "must be between 1 and 3650"));

        services.AddValidatedOptions<HttpOptions>(configuration, HttpOptions.Section, (o, check) =>
        {
            check(o.KnownProxies.All(a => System.Net.IPAddress.TryParse(a, out _)), "KnownProxies", "must list IP addresses (e.g. 172.28.5.10)");
            check(o.KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), "KnownNetworks", "must list networks in CIDR notation (e.g. 10.0.0.0/8)");
        });

        services.AddValidatedOptions<ClaudeOptions>(configuration, ClaudeOptions.Section, (o, check) =>
        {
            check(!string.IsNullOrWhiteSpace(o.Command), "Command", "must name the Claude Code program");
            check(ClaudeOptions.PermissionModes.Contains(o.PermissionMode), "PermissionMode", $"must be one of {string.Join(", ", ClaudeOptions.PermissionModes)}");
            check(o.ConfigDir is ClaudeOptions.ConfigInHome or ClaudeOptions.ConfigPerJob, "ConfigDir", "must be 'home' or 'job'");
        });

        services.AddValidatedOptions<CodeIndex.CidxOptions>(configuration, CodeIndex.CidxOptions.Section, (o, check) =>
        {
            check(!string.IsNullOrWhiteSpace(o.Command), "Command", "must name the cidx program");
            check(o.StepTimeoutSeconds is >= 1 and <= 24 * 3600, "StepTimeoutSeconds", "must be between 1 and 86400");
            check(o.EmbeddingProvider is "voyage-ai" or "ollama", "EmbeddingProvider", "must be voyage-ai or ollama");
        });

        services.AddValidatedOptions<Containers.DockerOptions>(configuration, Containers.DockerOptions.Section, (o, check) =>
            check(Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" or "http" or "npipe",
                "Endpoint", "must be a unix:// or tcp:// address"));

        services.AddValidatedOptions<ImpersonationOptions>(configuration, ImpersonationOptions.Section, (o, check) =>
        {
            check(ImpersonationOptions.Modes.Contains(o.Mode), "Mode", $"must be one of {string.Join(", ", ImpersonationOptions.Modes)}");
            check(o.MinUid >= 1, "MinUid", "must be at least 1 (root never runs jobs)");
            check(o.Mode != ImpersonationOptions.Setpriv || Environment.IsPrivilegedProcess, "Mode", "setpriv needs the server to run as root (use sudo, or none for development)");
            check(!string.IsNullOrWhiteSpace(o.Path), "Path", "must not be empty");
        });

        services.AddValidatedOptions<SystemPromptsOptions>(configuration, SystemPromptsOptions.Section, (o, check) =>
        {
            o.CidxAvailableTemplatePath = HomePath.Expand(o.CidxAvailableTemplatePath);
            o.CidxUnavailableTemplatePath = HomePath.Expand(o.CidxUnavailableTemplatePath);
        });

        services.AddValidatedOptions<UploadsOptions>(configuration, UploadsOptions.Section, (o, check) =>
        {
            check(o.MaxFileBytes >= 1, "MaxFileBytes", "must be at least 1");
            check(o.MaxJobBytes >= o.MaxFileBytes, "MaxJobBytes", "must be at least Uploads:MaxFileBytes");
            check(o.MaxTextBytes >= 1, "MaxTextBytes", "must be at least 1");
        });

        services.AddValidatedOptions<Application.Webhooks.WebhooksOptions>(configuration, Application.Webhooks.WebhooksOptions.Section, (o, check) =>
        {
            check(o.RetryDelays.All(d => d > TimeSpan.Zero && d <= TimeSpan.FromDays(7)), "RetryDelays", "must list pauses between 00:00:01 and 7.00:00:00 (e.g. 00:00:05)");
            check(o.RetryDelays.Count <= 50, "RetryDelays", "may list at most 50 pauses");
            check(o.TimeoutSeconds is >= 1 and <= 300, "TimeoutSeconds", "must be between 1 and 300");
            check(o.MaxRetryAfterSeconds is >= 1 and <= 7 * 86_400, "MaxRetryAfterSeconds", "must be between 1 and 604800");
        });

        services.AddValidatedOptions<JwtOptions>(configuration, JwtOptions.Section, (o, check) => { });
        services.AddSingleton<IValidateOptions<JwtOptions>, JwtOptionsValidator>();

        return services;
    }

    private static void AddValidatedOptions<T>(
        this IServiceCollection services,
        IConfiguration configuration,
        string section,
        Action<T, Action<bool, string, string>> normalizeAndCheck)
        where T : class, new()
    {
        services.AddOptions<T>()
            .Bind(configuration.GetSection(section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section, normalizeAndCheck));
        services.AddSingleton<IValidateOptions<T>>(new ScalarListValidator<T>(ScalarListSettings.Find(configuration, section, typeof(T))));

        // Application code takes the plain options object; only the composition root knows IOptions.
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
    }

    /// <summary>
    /// <see cref="AddValidatedOptions{T}"/> for a section needed before the container exists: bound now, once, and the
    /// container serves that same object, normalized and checked at start like every other section (a value that
    /// does not convert fails the start the same way too).
    /// </summary>
    private static T AddValidatedOptionsBoundNow<T>(
        this IServiceCollection services,
        IConfiguration configuration,
        string section,
        Action<T, Action<bool, string, string>> normalizeAndCheck)
        where T : class, new()
    {
        var bound = new T();
        InvalidOperationException? unbindable = null;
        try
        {
            configuration.GetSection(section).Bind(bound);
        }
        catch (InvalidOperationException e)
        {
            (bound, unbindable) = (new T(), e);
        }

        services.AddOptions<T>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section, normalizeAndCheck));
        services.AddSingleton<IValidateOptions<T>>(new ScalarListValidator<T>(ScalarListSettings.Find(configuration, section, typeof(T))));
        services.AddSingleton<IOptionsFactory<T>>(sp => new BoundOptionsFactory<T>(bound, unbindable, sp.GetServices<IValidateOptions<T>>()));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return bound;
    }

    /// <summary>Serves the object bound at registration, once its validators pass.</summary>
    private sealed class BoundOptionsFactory<T>(T bound, InvalidOperationException? unbindable, IEnumerable<IValidateOptions<T>> validators)
        : IOptionsFactory<T>
        where T : class
    {
        public T Create(string name)
        {
            if (unbindable is not null)
            {
                throw new InvalidOperationException(unbindable.Message, unbindable);
            }

            var failures = validators.Select(v => v.Validate(name, bound)).Where(r => r.Failed).SelectMany(r => r.Failures ?? []).ToList();
            return failures.Count == 0 ? bound : throw new OptionsValidationException(name, typeof(T), failures);
        }
    }

    /// <summary>Fails start for each list setting given one plain value (see <see cref="ScalarListSettings"/>).</summary>
    private sealed class ScalarListValidator<T>(IReadOnlyList<string> found) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
    }

    /// <summary>Normalizes the bound values (for example <c>~</c> in paths) and names each offending key.</summary>
    private sealed class SectionValidator<T>(string section, Action<T, Action<bool, string, string>> normalizeAndCheck)
        : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            normalizeAndCheck(options, (ok, key, message) =>
            {
                if (!ok)
                {
                    failures.Add($"{section}:{key} {message}.");
                }
            });
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    private sealed class JwtOptionsValidator(IHostEnvironment environment) : IValidateOptions<JwtOptions>
    {
        public ValidateOptionsResult Validate(string? name, JwtOptions options)
        {
            var failures = new List<string>();
            var keyBytes = System.Text.Encoding.UTF8.GetByteCount(options.Key ?? "");
            if (keyBytes < JwtOptions.MinKeyBytes)
            {
                failures.Add($"Jwt:Key must be at least {JwtOptions.MinKeyBytes} bytes (it is {keyBytes}); set Jwt__Key to a long random secret.");
            }
            else if (options.Key == JwtOptions.SampleKey && !environment.IsDevelopment())
            {
                failures.Add("Jwt:Key is the sample key from the documentation; it is accepted only in Development.");
            }

            if (options.ExpiryHours is <= 0 or > 24 * 30)
            {
                failures.Add("Jwt:ExpiryHours must be more than 0 and at most 720.");
            }

            if (string.IsNullOrWhiteSpace(options.Issuer))
            {
                failures.Add("Jwt:Issuer must not be empty.");
            }

            if (string.IsNullOrWhiteSpace(options.Audience))
            {
                failures.Add("Jwt:Audience must not be empty.");
            }

            if (options.ClockSkewSeconds is < 0 or > 300)
            {
                failures.Add("Jwt:ClockSkewSeconds must be between 0 and 300.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
