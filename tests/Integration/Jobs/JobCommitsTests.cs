using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Persistence;
using ClaudeBatch.Integration.Tests.Support;
using Npgsql;

namespace ClaudeBatch.Integration.Tests.Jobs;

/// <summary>
/// A job's steps are committed as they happen, except a step that another follows at once: it is stored with that one,
/// in order (one commit fewer each, and no watcher waits on it alone).
/// </summary>
[Collection(SecondApiCollection.Name)]
public sealed class JobCommitsTests(ApiFactory api)
{
    [Fact]
    public async Task A_skipped_pull_the_workspace_and_the_resolved_prompt_are_stored_with_the_agent_s_start()
    {
        var (client, repository, _) = await api.UserWithRepositoryAsync();

        var job = await client.RunJobAsync(repository, "scenario: instant", gitAware: false);

        job.Status().ShouldBe("completed", job.ToString());
        var events = await EventsAsync(JobStream.For(job.GetProperty("jobId").GetString()!));
        var types = events.Select(e => e.Type);
        string.Join(", ", types.Take(7)).ShouldBe(
            "job_created, job_queued, job_pipeline_started, git_pull_skipped, workspace_prepared, prompt_resolved, agent_started");
        Transaction("git_pull_skipped").ShouldBe(Transaction("agent_started"));
        Transaction("workspace_prepared").ShouldBe(Transaction("agent_started"));
        Transaction("prompt_resolved").ShouldBe(Transaction("agent_started"));
        // Up to the agent's start: created, queued, taken, agent — four commits, not seven.
        events.TakeWhile(e => e.Type != "agent_started").Append(Single("agent_started"))
            .Select(e => e.Transaction).Distinct().Count().ShouldBe(4);

        string Transaction(string type) => Single(type).Transaction;
        Row Single(string type) => events.Single(e => e.Type == type);
    }

    private sealed record Row(string Type, long Sequence, string Transaction);

    /// <summary>The stream's events in order, with the transaction that inserted each (PostgreSQL's <c>xmin</c>).</summary>
    private async Task<List<Row>> EventsAsync(string stream)
    {
        await using var connection = new NpgsqlConnection(api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT type, seq_id, xmin::text FROM {PersistenceRegistration.SchemaName}.mt_events WHERE stream_id = $1 ORDER BY seq_id",
            connection) { Parameters = { new() { Value = stream } } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
        }

        return rows;
    }
}
