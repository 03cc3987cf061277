using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>The accounts of a passwd-format file: <c>name:x:uid:gid:gecos:home:shell</c>; a line without numeric ids is none.</summary>
internal static class PasswdFile
{
    public static IEnumerable<OsAccount> Read(string path)
    {
        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(':');
            if (fields.Length >= 6 && fields[0].Length > 0 && int.TryParse(fields[2], out var uid) && int.TryParse(fields[3], out var gid))
            {
                yield return new OsAccount(fields[0], uid, gid, fields[5]);
            }
        }
    }
}
