using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Repositories;

/// <summary>
/// A job's pull is the repository's business: its facts are committed in a transaction of their own, before the job
/// records the pull, so nothing the job's unit of work does (keeping its facts while the database is away, say) can
/// lose or hold them back.
/// </summary>
[Collection(SecondApiCollection.Name)]
public sealed class PullRepositoryTests(ApiFactory api)
{
    [Fact]
    public async Task A_job_s_pull_is_stored_on_the_repository_in_a_transaction_of_its_own_before_the_job_records_it()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();
        var source = Path.Combine(api.Sources.Root, repository);
        GitRepos.Git(source, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "new");
        var head = GitRepos.Git(source, "rev-parse", "HEAD");

        var job = await client.RunJobAsync(repository, "scenario: instant");

        job.Status().ShouldBe("completed", job.ToString());
        var jobId = job.GetProperty("jobId").GetString()!;
        var events = await EventsAsync(RepositoryStream.For(repository), JobStream.For(jobId));
        var pulled = events.Single(e => e.Type == "repository_pulled");
        var started = events.Single(e => e.Type == "git_pull_started");
        var recorded = events.Single(e => e.Type == "git_pulled");
        pulled.Transaction.ShouldNotBe(recorded.Transaction, "the repository's pull was committed with the job's facts");
        pulled.Transaction.ShouldNotBe(started.Transaction);
        pulled.Sequence.ShouldBeGreaterThan(started.Sequence);
        pulled.Sequence.ShouldBeLessThan(recorded.Sequence, "the job recorded the pull before the repository stored it");
        (await client.WaitForCloneAsync(repository)).GetProperty("commitHash").GetString().ShouldBe(head);
    }

    private sealed record Row(string Type, long Sequence, string Transaction);

    /// <summary>The events of these streams with the transaction that inserted each (PostgreSQL's <c>xmin</c>).</summary>
    private async Task<List<Row>> EventsAsync(params string[] streams)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT type, seq_id, xmin::text FROM {PersistenceRegistration.SchemaName}.mt_events WHERE stream_id = ANY($1) ORDER BY seq_id",
            connection) { Parameters = { new() { Value = streams } } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return rows;
    }
}
