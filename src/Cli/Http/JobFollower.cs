using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Rendering;
using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Cli.Http;

/// <summary>
/// Follows a job's live stream until its turn ends, showing each event once: when the connection drops it reconnects
/// with <c>Last-Event-ID</c> (the server sends what was missed, nothing twice). For a follow-up turn, the events of
/// the earlier turns are skipped.
/// </summary>
public sealed class JobFollower(ServerApi api, CliConsole console, Transcript transcript, Spinner spinner)
{
    private static readonly TimeSpan MaxQuietReconnecting = TimeSpan.FromMinutes(2);

    public async Task<JobDetails> FollowAsync(string jobId, int turn, CancellationToken cancellationToken)
    {
        long lastId = 0;
        var showing = turn <= 1;
        var lostSince = (DateTime?)null;
        while (true)
        {
            try
            {
                await foreach (var e in ServerSentEvents.ReadAsync(api, jobId, lastId, cancellationToken))
                {
                    lostSince = null;
                    lastId = e.Id;
                    showing |= e.Type == "FollowUpRequested" && e.Payload.TryGetProperty("turn", out var t) && t.GetInt32() == turn;
                    if (showing)
                    {
                        spinner.Print(() => transcript.Show(e));
                        spinner.Label = Formats.Words(e.Status ?? "waiting");
                    }
                }

                // The server ends the stream when the job ends (or when it stops): which one, the job says.
                var job = await api.GetAsync<JobDetails>($"/jobs/{jobId}", cancellationToken);
                if (Formats.IsFinished(job.Status) && job.Turn >= turn)
                {
                    return job;
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or CliFailure { NoAnswer: true })
            {
                lostSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - lostSince > MaxQuietReconnecting)
                {
                    throw api.Unreachable($"the stream was lost and not regained for {MaxQuietReconnecting.TotalMinutes:0} minutes");
                }

                spinner.Print(() => console.Error.WriteLine($"cbs: the stream was interrupted ({e.Message.Split('\n')[0]}); reconnecting after event {lastId}…"));
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>The exit code for how the turn ended.</summary>
    public static int ExitCodeOf(JobStatus status) => status == JobStatus.Completed ? ExitCodes.Ok : ExitCodes.Failed;
}
