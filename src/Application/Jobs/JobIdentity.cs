namespace ClaudeBatch.Application.Jobs;

/// <summary>
/// The operating-system identity a job's processes run as: the job owner's account (uid, gid, supplementary groups,
/// HOME from the account database), or the server's own when impersonation is off (<see cref="SwitchesUser"/> false).
/// </summary>
public sealed record RunAs(string User, int Uid, int Gid, IReadOnlyList<int> Groups, string Home, bool SwitchesUser)
{
    /// <summary>The job whose containment (<see cref="IJobContainment"/>) the processes join before they exec; null outside a running job.</summary>
    public string? JobId { get; init; }
}

/// <summary>Either the identity a job runs as, or why it may not run at all.</summary>
public sealed record RunAsResolution(RunAs? Identity, string? Refusal);

/// <summary>Who a job runs as, and handing its files over to that user.</summary>
public interface IJobIdentity
{
    /// <summary>
    /// The owner's identity; refused for unknown users and system accounts, never silently the server's user. With
    /// <paramref name="uid"/> (the job's <see cref="Domain.Jobs.Job.OwnerUid"/>), refused too when the account under the
    /// name is no longer that one.
    /// </summary>
    ValueTask<RunAsResolution> ResolveAsync(string username, int? uid, CancellationToken cancellationToken);

    /// <summary>Makes the user own <paramref name="path"/> and everything below it, without following symbolic links.</summary>
    Task HandOverAsync(string path, RunAs identity, CancellationToken cancellationToken);
}
