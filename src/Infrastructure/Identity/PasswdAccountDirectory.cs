using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>Reads uid, gid and home from a passwd-format file: <c>name:x:uid:gid:gecos:home:shell</c>.</summary>
internal sealed class PasswdAccountDirectory(AuthOptions options) : IAccountDirectory
{
    public ValueTask<OsAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(PasswdFile.Read(options.PasswdFilePath).FirstOrDefault(a => a.Username == username));

    public async ValueTask<bool> IsAdministratorAsync(string username, CancellationToken cancellationToken)
    {
        if (GroupFile.Read(options.GroupFilePath).FirstOrDefault(g => g.Name == options.AdminGroup) is not { } admins)
        {
            return false;
        }

        var account = await FindAsync(username, cancellationToken);
        return admins.Members.Contains(username) || (account is not null && admins.Gid == account.Gid);
    }
}
