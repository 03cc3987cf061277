using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClaudeBatch.Unit.Tests.Configuration;

/// <summary>
/// The <c>Jobs</c> section is bound once, before the container exists (Wolverine's queue and retention schedule read
/// it there), and the container serves that same object, checked at start: defaults live in <see cref="JobsOptions"/> only.
/// </summary>
public sealed class JobsOptionsBindingTests
{
    [Fact]
    public void The_options_Wolverine_reads_are_the_ones_the_container_serves_with_the_classes_defaults()
    {
        var (services, jobs) = Register(new() { ["Jobs:MaxConcurrent"] = "7" });
        using var provider = services.BuildServiceProvider();

        var served = provider.GetRequiredService<JobsOptions>();

        served.ShouldBeSameAs(jobs);
        provider.GetRequiredService<IOptions<JobsOptions>>().Value.ShouldBeSameAs(jobs);
        jobs.MaxConcurrent.ShouldBe(7);
        jobs.MaxRunningPerUser.ShouldBe(7, "0 means Jobs:MaxConcurrent, normalized when checked");
        jobs.MaxQueued.ShouldBe(new JobsOptions().MaxQueued);
        jobs.RetentionSchedule.ShouldBe(new JobsOptions().RetentionSchedule);
    }

    [Theory]
    [InlineData("Jobs:MaxConcurrent", "0", "Jobs:MaxConcurrent")]
    [InlineData("Jobs:MaxConcurrent", "many", "Jobs:MaxConcurrent")]
    [InlineData("Jobs:RetentionSchedule", "every hour", "Jobs:RetentionSchedule")]
    public void An_invalid_value_is_reported_when_the_options_are_first_served_not_when_they_are_bound(string key, string value, string named)
    {
        var (services, _) = Register(new() { [key] = value });
        using var provider = services.BuildServiceProvider();

        var failure = Should.Throw<Exception>(() => provider.GetRequiredService<JobsOptions>());

        failure.Message.ShouldContain(named);
    }

    private static (ServiceCollection Services, JobsOptions Jobs) Register(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddServerOptions(configuration, out var jobs);
        return (services, jobs);
    }
}
