using System.Diagnostics;

namespace ClaudeBatch.Integration.Tests.Support;

/// <summary>
/// A shadow/passwd pair in a temp folder, filled with hashes made by the real tools (<c>openssl passwd</c>,
/// <c>mkpasswd</c>), exactly as an administrator's would be.
/// </summary>
public sealed class TestAccounts
{
    private readonly object gate = new();
    private int nextUid = 20000;

    public TestAccounts(string directory)
    {
        Directory.CreateDirectory(directory);
        ShadowPath = Path.Combine(directory, "shadow");
        PasswdPath = Path.Combine(directory, "passwd");
        GroupPath = Path.Combine(directory, "group");
        File.WriteAllText(ShadowPath, "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(PasswdPath, "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(GroupPath, "root:x:0:\n");
    }

    public string ShadowPath { get; }

    public string PasswdPath { get; }

    public string GroupPath { get; }

    /// <summary>Adds an account whose password is hashed with <paramref name="scheme"/> (<c>-6</c>, <c>-5</c>, <c>-1</c> for openssl, <c>yescrypt</c> or <c>bcrypt</c> for mkpasswd).</summary>
    public TestUser Add(string scheme = "-6", string? password = null, string? username = null)
    {
        password ??= "pw-" + Guid.NewGuid().ToString("N")[..12];
        username ??= "u" + Guid.NewGuid().ToString("N")[..10];
        return AddWithHash(username, password, Hash(scheme, password));
    }

    /// <summary><c>userdel</c> then <c>useradd</c> of the same name: another person's account, under another uid.</summary>
    public TestUser ReplaceWithAnotherPerson(TestUser user)
    {
        Remove(user);
        var successor = Add(username: user.Username);
        successor.Uid.ShouldNotBe(user.Uid);
        return successor;
    }

    public TestUser AddWithHash(string username, string password, string hash)
    {
        lock (gate)
        {
            var uid = nextUid++;
            File.AppendAllText(ShadowPath, $"{username}:{hash}:19000:0:99999:7:::\n");
            File.AppendAllText(PasswdPath, $"{username}:x:{uid}:{uid}::/home/{username}:/bin/bash\n");
            return new TestUser(username, password, hash, uid);
        }
    }

    /// <summary>Adds a real OS account (its passwd line as the system has it) with a password to log in with.</summary>
    public TestUser AddOsUser(string name)
    {
        lock (gate)
        {
            if (osUsers.TryGetValue(name, out var known))
            {
                return known;
            }
        }

        var line = OsUsers.Ensure(name);
        var password = "pw-" + Guid.NewGuid().ToString("N")[..12];
        var hash = Hash("-6", password);
        lock (gate)
        {
            File.AppendAllText(ShadowPath, $"{name}:{hash}:19000:0:99999:7:::\n");
            File.AppendAllText(PasswdPath, line + "\n");
            return osUsers[name] = new TestUser(name, password, hash, int.Parse(line.Split(':')[2]));
        }
    }

    /// <summary>Gives the (uid 0) root entry a password, as a careless administrator might.</summary>
    public TestUser EnableRoot()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N")[..12];
        var hash = Hash("-6", password);
        lock (gate)
        {
            Rewrite(ShadowPath, l => l.StartsWith("root:", StringComparison.Ordinal) ? $"root:{hash}:19000:0:99999:7:::" : l);
            return new TestUser("root", password, hash, 0);
        }
    }

    /// <summary>Locks the account as <c>usermod -L</c> (<c>!</c>) or an administrator's <c>*</c> does: a mark before the hash.</summary>
    public void Lock(TestUser user, string mark = "!") => RewriteShadowEntry(user, fields => fields[1] = mark + fields[1]);

    /// <summary>Sets the account expiration date (shadow field 8, days since the epoch) to yesterday, as <c>chage -E</c> would.</summary>
    public void Expire(TestUser user) => RewriteShadowEntry(user, fields =>
        fields[7] = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 86400 - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Removes the account from the shadow file, the passwd file, or both (<c>userdel</c>).</summary>
    public void Remove(TestUser user, bool fromShadow = true, bool fromPasswd = true)
    {
        lock (gate)
        {
            if (fromShadow)
            {
                Rewrite(ShadowPath, l => l.StartsWith(user.Username + ":", StringComparison.Ordinal) ? null : l);
            }

            if (fromPasswd)
            {
                Rewrite(PasswdPath, l => l.StartsWith(user.Username + ":", StringComparison.Ordinal) ? null : l);
            }
        }
    }

    private void RewriteShadowEntry(TestUser user, Action<string[]> change)
    {
        lock (gate)
        {
            Rewrite(ShadowPath, line =>
            {
                if (!line.StartsWith(user.Username + ":", StringComparison.Ordinal))
                {
                    return line;
                }

                var fields = line.Split(':');
                change(fields);
                return string.Join(':', fields);
            });
        }
    }

    /// <summary>Writes a new file and renames it over the old one, as the shadow tools do: a reader sees one or the other, never half.</summary>
    private static void Rewrite(string path, Func<string, string?> change)
    {
        var next = path + ".new-" + Guid.NewGuid().ToString("N")[..8];
        File.WriteAllLines(next, File.ReadAllLines(path).Select(change).OfType<string>());
        File.Move(next, path, overwrite: true);
    }

    private readonly Dictionary<string, TestUser> osUsers = [];

    private readonly List<string> administrators = [];

    /// <summary>Puts the user in <c>Auth:AdminGroup</c> (the default group name).</summary>
    public void AddAdministrator(TestUser user)
    {
        lock (gate)
        {
            administrators.Add(user.Username);
            File.WriteAllText(GroupPath, $"root:x:0:\nclaude-batch-admins:x:990:{string.Join(',', administrators)}\n");
        }
    }

    public static string Hash(string scheme, string password) => scheme is "yescrypt" or "bcrypt"
        ? Run("mkpasswd", ["-m", scheme, "--stdin"], password)
        : Run("openssl", ["passwd", scheme, "-stdin"], password);

    private static string Run(string program, string[] arguments, string input)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.WriteLine(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"{program} failed: {process.StandardError.ReadToEnd()}");
        }

        return output;
    }
}

public sealed record TestUser(string Username, string Password, string Hash, int Uid);
