namespace ClaudeBatch.Infrastructure.Identity;

/// <summary>
/// The groups of a group-format file (<c>Auth:GroupFilePath</c>): <c>name:password:gid:member,member</c>. A line with
/// fewer fields is none; a gid that is not a number is null; a missing file has no groups.
/// </summary>
internal static class GroupFile
{
    public static IEnumerable<OsGroup> Read(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(path))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4)
            {
                yield return new OsGroup(fields[0], int.TryParse(fields[2], out var gid) ? gid : null,
                    fields[3].Split(',', StringSplitOptions.TrimEntries));
            }
        }
    }
}

/// <summary>One line of a group file: its name, gid and listed members (not those whose primary group it is).</summary>
internal sealed record OsGroup(string Name, int? Gid, IReadOnlyList<string> Members);
