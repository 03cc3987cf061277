using ClaudeBatch.Application.Identity;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Infrastructure.Impersonation;

/// <summary>
/// Resolves the job owner's account from <c>Auth:PasswdFilePath</c> and <c>Auth:GroupFilePath</c> (the same
/// database logins are checked against). Unknown users and uids below <c>Impersonation:MinUid</c> are refused.
/// </summary>
internal sealed class OsJobIdentity(ImpersonationOptions options, AuthOptions auth, IAccountDirectory accounts) : IJobIdentity
{
    public async ValueTask<RunAsResolution> ResolveAsync(string username, int? uid, CancellationToken cancellationToken)
    {
        if (options.EffectiveMode == ImpersonationOptions.None)
        {
            return new RunAsResolution(ServerAccount.Identity, null);
        }

        var account = await accounts.FindAsync(username, cancellationToken);
        if (account is not null && uid is { } expected && account.Uid != expected)
        {
            // Removed and made again under the name: another person's account, which the job is not.
            return new RunAsResolution(null, AccountState.Gone.Refusal(username));
        }

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
        if (!identity.SwitchesUser)
        {
            return;
        }

        // As chown -R -P -h would, in the server's process: never following a link; the folder itself then 0700.
        var full = Path.GetFullPath(path);
        await Task.Run(
            () => TreeOwner.Give(Path.GetDirectoryName(full)!, Path.GetFileName(full), identity.Uid, identity.Gid, OwnerOnly.Folder),
            cancellationToken);
    }

    private List<int> SupplementaryGroups(OsAccount account) =>
        GroupFile.Read(auth.GroupFilePath)
            .Where(g => g.Gid is { } gid && gid != account.Gid && g.Members.Contains(account.Username))
            .Select(g => g.Gid!.Value)
            .ToList();
}
