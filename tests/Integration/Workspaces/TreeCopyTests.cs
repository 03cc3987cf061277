using System.Diagnostics;
using System.Security.Cryptography;
using ClaudeBatch.Infrastructure.Files;

namespace ClaudeBatch.Integration.Tests.Workspaces;

/// <summary>
/// The server's in-process tree copy (what makes a workspace without starting <c>cp</c>): it produces what
/// <c>cp -a</c> produces, and its reflink copy on XFS and btrfs shares the source's blocks (the loop mounts named in
/// CLAUDEBATCH_TEST_XFS / CLAUDEBATCH_TEST_BTRFS), or fails where the filesystem cannot share them.
/// </summary>
public sealed class TreeCopyTests : IDisposable
{
    private const int BigFileBytes = 32 * 1024 * 1024;

    private readonly List<string> folders = [];

    [Fact]
    public void A_full_copy_is_what_cp_a_makes_owners_modes_times_links_and_hard_links()
    {
        var root = Folder(Path.GetTempPath());
        var source = MakeTree(Path.Combine(root, "source"));

        var (files, bytes) = TreeCopy.Copy(source, Path.Combine(root, "ours"), reflink: false, CancellationToken.None);
        Run("cp", "-a", "--reflink=never", "--no-target-directory", source, Path.Combine(root, "cp"));

        Describe(Path.Combine(root, "ours")).ShouldBe(Describe(Path.Combine(root, "cp")));
        Describe(Path.Combine(root, "ours")).ShouldBe(Describe(source));
        files.ShouldBe(5); // a.txt, run.sh, read-only/locked, twin and twin's other name
        bytes.ShouldBe(new FileInfo(Path.Combine(source, "a.txt")).Length + new FileInfo(Path.Combine(source, "run.sh")).Length + 6 + 2 * 5);
        Hash(Path.Combine(root, "ours", "a.txt")).ShouldBe(Hash(Path.Combine(source, "a.txt")));
        Inode(Path.Combine(root, "ours", "twin")).ShouldBe(Inode(Path.Combine(root, "ours", "sub", "twin2")));
        Inode(Path.Combine(root, "ours", "twin")).ShouldNotBe(Inode(Path.Combine(source, "twin")));

        // The copy is its own: writing to it leaves the source as it was.
        File.AppendAllText(Path.Combine(root, "ours", "a.txt"), "changed");
        File.ReadAllText(Path.Combine(source, "a.txt")).ShouldNotContain("changed");
    }

    [Fact]
    public void A_reflink_copy_where_the_filesystem_cannot_share_blocks_fails_so_the_cloner_falls_back()
    {
        // The shared test folder is on the machine's ext4 disk, which has no reflinks.
        var root = Folder(Path.GetTempPath());
        var source = MakeTree(Path.Combine(root, "source"));

        var refused = Should.Throw<IOException>(() => TreeCopy.Copy(source, Path.Combine(root, "copy"), reflink: true, CancellationToken.None));

        refused.Message.ShouldContain("FICLONE");
    }

    [Fact]
    public void A_copy_never_writes_into_an_existing_destination()
    {
        var root = Folder(Path.GetTempPath());
        var source = MakeTree(Path.Combine(root, "source"));
        Directory.CreateSymbolicLink(Path.Combine(root, "copy"), Path.Combine(root, "elsewhere"));
        Directory.CreateDirectory(Path.Combine(root, "elsewhere"));

        Should.Throw<IOException>(() => TreeCopy.Copy(source, Path.Combine(root, "copy"), reflink: false, CancellationToken.None));

        Directory.EnumerateFileSystemEntries(Path.Combine(root, "elsewhere")).ShouldBeEmpty();
    }

    [Fact]
    public void Giving_a_tree_to_a_user_changes_every_entry_itself_and_nothing_a_link_leads_to()
    {
        var root = Folder(Path.GetTempPath());
        var source = MakeTree(Path.Combine(root, "tree"));
        var victim = Path.Combine(root, "victim");
        File.WriteAllText(victim, "root's");
        Directory.CreateDirectory(Path.Combine(root, "victim-folder"));
        File.CreateSymbolicLink(Path.Combine(source, "sub", "to-victim"), victim);
        Directory.CreateSymbolicLink(Path.Combine(source, "to-victim-folder"), Path.Combine(root, "victim-folder"));

        TreeOwner.Give(root, "tree", 4545, 4646, (UnixFileMode)0x1c0).ShouldBeTrue(); // 0700

        Run("find", source, "!", "-user", "4545", "-printf", "%P\n").ShouldBeEmpty();
        Run("find", source, "!", "-group", "4646", "-printf", "%P\n").ShouldBeEmpty();
        Run("stat", "-c", "%u:%g", victim).Trim().ShouldBe("0:0");
        Run("stat", "-c", "%u:%g", Path.Combine(root, "victim-folder")).Trim().ShouldBe("0:0");
        Run("stat", "-c", "%a", source).Trim().ShouldBe("700");
        Run("stat", "-c", "%a", Path.Combine(source, "read-only")).Trim().ShouldBe("555");
        TreeOwner.Give(root, "nothing-here", 4545, 4646).ShouldBeFalse();
    }

    [Theory]
    [InlineData("CLAUDEBATCH_TEST_XFS")]
    [InlineData("CLAUDEBATCH_TEST_BTRFS")]
    public void A_reflink_copy_on_a_copy_on_write_filesystem_shares_every_block_and_keeps_what_cp_a_keeps(string mountVariable)
    {
        var mount = Environment.GetEnvironmentVariable(mountVariable)
            ?? throw new InvalidOperationException($"{mountVariable} is not set: run the tests through scripts/test.sh, which mounts the filesystems.");
        var root = Folder(mount);
        var source = MakeTree(Path.Combine(root, "source"));
        File.WriteAllBytes(Path.Combine(source, "big.bin"), RandomNumberGenerator.GetBytes(BigFileBytes));
        Run("sync");
        var freeBefore = new DriveInfo(mount).AvailableFreeSpace;

        TreeCopy.Copy(source, Path.Combine(root, "copy"), reflink: true, CancellationToken.None);
        Run("sync");

        var used = freeBefore - new DriveInfo(mount).AvailableFreeSpace;
        used.ShouldBeLessThan(BigFileBytes / 8, $"a {BigFileBytes}-byte file was copied, not shared ({used} bytes used)");
        var extents = Run("filefrag", "-v", Path.Combine(root, "copy", "big.bin"));
        var lines = extents.Split('\n').Where(l => l.TrimStart().Length > 0 && char.IsDigit(l.TrimStart()[0]) && l.Contains(':')).ToList();
        lines.ShouldNotBeEmpty(extents);
        lines.ShouldAllBe(l => l.Contains("shared"), extents);
        Hash(Path.Combine(root, "copy", "big.bin")).ShouldBe(Hash(Path.Combine(source, "big.bin")));
        Describe(Path.Combine(root, "copy")).ShouldBe(Describe(source));

        // Copy on write: a write to the copy is the copy's alone.
        var sourceHash = Hash(Path.Combine(source, "big.bin"));
        using (var stream = new FileStream(Path.Combine(root, "copy", "big.bin"), FileMode.Open, FileAccess.Write))
        {
            stream.Write(new byte[4096]);
        }

        Hash(Path.Combine(source, "big.bin")).ShouldBe(sourceHash);
    }

    public void Dispose()
    {
        foreach (var folder in folders)
        {
            TreeRemoval.Remove(Path.GetDirectoryName(folder)!, Path.GetFileName(folder));
        }
    }

    private string Folder(string under)
    {
        var folder = Path.Combine(under, $"cbtest-copy-{Guid.NewGuid():N}"[..20]);
        Directory.CreateDirectory(folder);
        folders.Add(folder);
        return folder;
    }

    /// <summary>Folders (one read-only), files of several modes and owners, links (relative, absolute, dangling, to a folder), a hard link pair, old times.</summary>
    private static string MakeTree(string source)
    {
        Directory.CreateDirectory(Path.Combine(source, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(source, "read-only"));
        File.WriteAllText(Path.Combine(source, "a.txt"), "hello\n");
        File.WriteAllText(Path.Combine(source, "run.sh"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(source, "run.sh"), (UnixFileMode)0x1ed); // 0755
        File.WriteAllText(Path.Combine(source, "read-only", "locked"), "locked");
        File.SetUnixFileMode(Path.Combine(source, "read-only", "locked"), (UnixFileMode)0x124); // 0444
        File.WriteAllText(Path.Combine(source, "twin"), "twins");
        Run("ln", Path.Combine(source, "twin"), Path.Combine(source, "sub", "twin2"));
        Run("chown", "4242:4343", Path.Combine(source, "twin"));
        File.SetUnixFileMode(Path.Combine(source, "twin"), (UnixFileMode)0x1a0); // 0640
        File.CreateSymbolicLink(Path.Combine(source, "link"), "a.txt");
        File.CreateSymbolicLink(Path.Combine(source, "sub", "up"), "../sub");
        File.CreateSymbolicLink(Path.Combine(source, "sub", "deeper", "dangling"), "../../nothing-here");
        File.CreateSymbolicLink(Path.Combine(source, "absolute"), "/etc/hostname");
        Run("chown", "-h", "4242:4343", Path.Combine(source, "link"));
        Run("touch", "-h", "-d", "2001-02-03 04:05:06.123456789", Path.Combine(source, "link"));
        Run("touch", "-d", "2001-02-03 04:05:06.987654321", Path.Combine(source, "a.txt"));
        Run("touch", "-d", "2002-02-03 04:05:06.5", Path.Combine(source, "sub", "deeper"));
        File.SetUnixFileMode(Path.Combine(source, "read-only"), (UnixFileMode)0x16d); // 0555
        Run("touch", "-d", "2003-02-03 04:05:06.25", Path.Combine(source, "read-only"));
        return source;
    }

    /// <summary>Every entry's kind, mode, owner, size (of what is not a folder), modification time to the nanosecond, link target and link count.</summary>
    private static string Describe(string tree) =>
        string.Join('\n', Run("find", tree, "-mindepth", "1", "!", "-type", "d", "-printf", "%P %y %m %U:%G %s %T@ %l %n\\n").Split('\n').Order()) + "\n"
        + string.Join('\n', Run("find", tree, "-type", "d", "-printf", "%P %m %U:%G %T@\\n").Split('\n').Order());

    private static ulong Inode(string path) => ulong.Parse(Run("stat", "-c", "%i", path).Trim());

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, $"{program} {string.Join(' ', arguments)}: {error}");
        return output;
    }
}
