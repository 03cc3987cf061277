using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Cli.Http;

namespace ClaudeBatch.Cli.Commands;

/// <summary>A job named by its id or, like git, by a unique start of it (<c>3f2a</c>).</summary>
public static class JobIds
{
    public static async Task<string> ResolveAsync(ServerApi api, string idOrPrefix, CancellationToken cancellationToken)
    {
        if (Guid.TryParse(idOrPrefix, out var id))
        {
            return id.ToString();
        }

        var prefix = idOrPrefix.Trim().ToLowerInvariant();
        if (prefix.Length == 0 || !prefix.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw CliFailure.Usage($"'{idOrPrefix}' is not a job id, nor the start of one.");
        }

        var matches = new List<string>();
        for (var page = 1; ; page++)
        {
            var jobs = await api.GetAsync<ListJobs.Response>($"/jobs?page={page}&pageSize={ListJobs.MaxPageSize}", cancellationToken);
            matches.AddRange(jobs.Jobs.Select(j => j.JobId).Where(j => j.StartsWith(prefix, StringComparison.Ordinal)));
            if (jobs.Jobs.Count == 0 || page * ListJobs.MaxPageSize >= jobs.Total)
            {
                break;
            }
        }

        return Choose(idOrPrefix, matches);
    }

    public static string Choose(string prefix, IReadOnlyList<string> matches) => matches.Count switch
    {
        1 => matches[0],
        0 => throw new CliFailure(ExitCodes.Failed, $"No job of yours starts with '{prefix}'."),
        _ => throw new CliFailure(
            ExitCodes.Failed,
            $"'{prefix}' is ambiguous: {matches.Count} jobs start with it ({string.Join(", ", matches.Take(5).Select(m => m[..Math.Min(13, m.Length)]))}{(matches.Count > 5 ? ", …" : "")}); give more of the id."),
    };
}
