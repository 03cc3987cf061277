using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Micro;

/// <summary>The kinds of stream-json line Claude Code writes, one of each in the sample transcript.</summary>
public enum LineKind
{
    SystemInit,
    AssistantToolUse,
    UserToolResult,
    AssistantText,
    Result,

    /// <summary>The sample's tool result with its content replaced by 64 KB of text: a <c>Read</c> of a mid-sized file.</summary>
    UserToolResult64K,
}

/// <summary>Inputs shared by the benchmarks: the real CLI transcript of tests/Unit/Data and job and repository event streams.</summary>
public static class Samples
{
    private static readonly Lazy<string[]> Lines = new(() =>
    {
        using var stream = typeof(Samples).Assembly.GetManifestResourceStream("tool-run.jsonl")
            ?? throw new InvalidOperationException("tool-run.jsonl is not embedded.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    });

    public static string Line(LineKind kind) => kind switch
    {
        LineKind.UserToolResult64K => LargeToolResult(64 * 1024),
        _ => Lines.Value[(int)kind],
    };

    /// <summary>
    /// A transcript of <paramref name="count"/> lines (at least 5): the sample's init, its tool_use, tool_result and
    /// text lines repeated, and its result line.
    /// </summary>
    public static string[] Transcript(int count)
    {
        if (count <= Lines.Value.Length)
        {
            return [.. Lines.Value.Take(count)];
        }

        var middle = Lines.Value[1..^1];
        var lines = new List<string> { Lines.Value[0] };
        for (var i = 0; lines.Count < count - 1; i++)
        {
            lines.Add(middle[i % middle.Length]);
        }

        lines.Add(Lines.Value[^1]);
        return [.. lines];
    }

    private static string LargeToolResult(int bytes)
    {
        var text = new StringBuilder(bytes + 80);
        for (var n = 1; text.Length < bytes; n++)
        {
            text.Append("     ").Append(n).Append("\tpublic sealed record SomeEvent(string JobId, DateTimeOffset At); // a line of source\n");
        }

        var line = JsonNode.Parse(Lines.Value[(int)LineKind.UserToolResult])!;
        line["message"]!["content"]![0]!["content"] = text.ToString(0, bytes);
        return line.ToJsonString();
    }

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 13, 56, 8, TimeSpan.Zero);

    /// <summary>
    /// A finished job's stream of <paramref name="count"/> events (at least 9), in the order the pipeline writes them:
    /// created, queued, picked up, git skipped, workspace, prompt, agent started and its session, then what the agent
    /// said, the tools it used and what they returned, in turn, and completed.
    /// </summary>
    public static object[] JobEvents(int count)
    {
        const string id = "3f2a9c";
        var at = Start;
        DateTimeOffset Next() => at = at.AddMilliseconds(37);
        var events = new List<object>
        {
            new JobCreated(id, "alice", "claude-batch", "Write hello into written.txt and say what you did.", [],
                new JobOptions(3600, false, false, null, null), "/var/lib/claude-batch/jobs/3f2a9c/workspace", Next()),
            new JobQueued(id, Next()),
            new JobPipelineStarted(id, "node-1", Next()),
            new GitPullSkipped(id, GitStatus.NotChecked, "gitAware is false.", Next()),
            new WorkspacePrepared(id, "/var/lib/claude-batch/jobs/3f2a9c/workspace", "reflink", 20_000, 409_600_000, 2489.5, Next()),
            new PromptResolved(id, "Write hello into written.txt and say what you did.", Next()),
            new AgentStarted(id, 4242, 123_456_789, "node-1", Next()),
            new AgentSessionStarted(id, "bb9f7351-92e6-454d-9c69-532232a08172", "claude-opus-5-5", Next()),
        };
        for (var i = 0; events.Count < count - 1; i++)
        {
            events.Add((i % 3) switch
            {
                0 => new AgentSaid(id, "I will write the file now, then check it.", Next()),
                1 => new AgentToolUsed(id, "Write", "/var/lib/claude-batch/jobs/3f2a9c/workspace/written.txt", Next()),
                _ => new AgentToolReturned(id, false,
                    "File created successfully at: /var/lib/claude-batch/jobs/3f2a9c/workspace/written.txt", Next()),
            });
        }

        events.Add(new JobCompleted(id,
            new AgentResult("Wrote written.txt.", "bb9f7351-92e6-454d-9c69-532232a08172", 0.10166m, 2, 4211, 0), Next()));
        return [.. events];
    }

    /// <summary>
    /// A <c>cidxAware</c> repository's stream of <paramref name="count"/> events (at least 2): registered, cloned,
    /// then pulls that changed the master, each followed by its re-indexing, ending with an indexing.
    /// </summary>
    public static object[] RepositoryEvents(int count)
    {
        const string name = "claude-batch";
        var at = Start;
        DateTimeOffset Next() => at = at.AddMinutes(7);
        var events = new List<object>
        {
            new RepositoryRegistered(name, "https://example.com/org/claude-batch.git", null, "The batch server", true,
                "/var/lib/claude-batch/repos/claude-batch", "alice", Next()),
            new RepositoryCloned(name, "main", "5f1c0e2d9a3b4c6d7e8f9a0b1c2d3e4f5a6b7c8d", "One place for indexing a master",
                48_000_000, 1_200, 4613.2, Next()),
        };
        for (var left = count - events.Count - 1; left >= 0; left--)
        {
            events.Add((left % 3) switch
            {
                2 => new RepositoryPulled(name, $"{left:x8}9a3b4c6d7e8f9a0b1c2d3e4f5a6b7c8d", true, Next()),
                1 => new RepositoryIndexStarted(name, Next()),
                _ => new RepositoryIndexed(name, true, null, 812.4, Next()),
            });
        }

        return [.. events];
    }

    /// <summary>Events as Marten hands them to a projection.</summary>
    public static JasperFx.Events.IEvent[] Wrapped(object[] events) =>
        [.. events.Select(e => (JasperFx.Events.IEvent)Activator.CreateInstance(typeof(JasperFx.Events.Event<>).MakeGenericType(e.GetType()), e)!)];
}
