using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>Reads uid, gid and home from a passwd-format file: <c>name:x:uid:gid:gecos:home:shell</c>.</summary>
internal sealed class PasswdAccountDirectory(AuthOptions options) : IAccountDirectory
{
    public ValueTask<OsAccount?> FindAsync(string username, CancellationToken cancellationToken) =>
        ValueTask.FromResult(PasswdFile.Read(options.PasswdFilePath).FirstOrDefault(a => a.Username == username));

    public async ValueTask<bool> IsAdministratorAsync(string username, CancellationToken cancellationToken)
    {
        if (!File.Exists(options.GroupFilePath))
        {
            return false;
        }

        var account = await FindAsync(username, cancellationToken);
        foreach (var line in File.ReadLines(options.GroupFilePath))
        {
            // name:password:gid:member,member
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == options.AdminGroup)
            {
                return fields[3].Split(',', StringSplitOptions.TrimEntries).Contains(username)
                    || (account is not null && int.TryParse(fields[2], out var gid) && gid == account.Gid);
            }
        }

        return false;
    }
}
