using ClaudeBatch.Application.Identity;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Identity;
using ClaudeBatch.Infrastructure.Processes;

namespace ClaudeBatch.Infrastructure.Impersonation;

/// <summary>
/// Resolves the job owner's account from <c>Auth:PasswdFilePath</c> and <c>Auth:GroupFilePath</c> (the same
/// database logins are checked against). Unknown users and uids below <c>Impersonation:MinUid</c> are refused.
/// </summary>
internal sealed class OsJobIdentity(ImpersonationOptions options, AuthOptions auth, IAccountDirectory accounts) : IJobIdentity
{
    public async ValueTask<RunAsResolution> ResolveAsync(string username, CancellationToken cancellationToken)
    {
        if (options.EffectiveMode == ImpersonationOptions.None)
        {
            return new RunAsResolution(ServerAccount.Identity, null);
        }

        var account = await accounts.FindAsync(username, cancellationToken);
        if (account is null)
        {
            return new RunAsResolution(null,
                $"User '{username}' has no operating-system account to run the job as (Impersonation:Mode is {options.EffectiveMode}); jobs never run as the server's user.");
        }

        if (account.Uid < options.MinUid)
        {
            return new RunAsResolution(null,
                $"User '{username}' has uid {account.Uid}, below Impersonation:MinUid {options.MinUid}: system accounts do not run jobs.");
        }

        return new RunAsResolution(new RunAs(account.Username, account.Uid, account.Gid, SupplementaryGroups(account), account.Home, true), null);
    }

    public async Task HandOverAsync(string path, RunAs identity, CancellationToken cancellationToken)
    {
        if (!identity.SwitchesUser || !Path.Exists(path))
        {
            return;
        }

        // -R -P: recurse without following any symbolic link; -h: change the link itself, never its target.
        await ProcessRunner.RunCheckedAsync("chown", ["-R", "-P", "-h", $"{identity.Uid}:{identity.Gid}", "--", path], cancellationToken);
        if (Directory.Exists(path))
        {
            OwnerOnly.Restrict(path);
        }
    }

    private List<int> SupplementaryGroups(OsAccount account) =>
        GroupFile.Read(auth.GroupFilePath)
            .Where(g => g.Gid is { } gid && gid != account.Gid && g.Members.Contains(account.Username))
            .Select(g => g.Gid!.Value)
            .ToList();
}
