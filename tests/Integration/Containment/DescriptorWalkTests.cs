using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Infrastructure.Files;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>The descriptor-based building blocks on real files: removal never follows a link, and lookups run with the user's rights.</summary>
public sealed class DescriptorWalkTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cbtest-walk-").FullName;

    [Fact]
    public void Removal_deletes_the_tree_and_nothing_its_links_lead_to()
    {
        var victim = Directory.CreateDirectory(Path.Combine(root, "victim")).FullName;
        File.WriteAllText(Path.Combine(victim, "keep.txt"), "keep");
        var tree = Directory.CreateDirectory(Path.Combine(root, "tree", "a", "b")).FullName;
        File.WriteAllText(Path.Combine(tree, "file.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(tree, "to-victim"), victim);
        File.CreateSymbolicLink(Path.Combine(root, "tree", "victim-file"), Path.Combine(victim, "keep.txt"));
        Directory.CreateSymbolicLink(Path.Combine(root, "tree", "a", "up"), "../..");

        TreeRemoval.Remove(root, "tree").ShouldBeTrue();

        Directory.Exists(Path.Combine(root, "tree")).ShouldBeFalse();
        File.ReadAllText(Path.Combine(victim, "keep.txt")).ShouldBe("keep");
        TreeRemoval.Remove(root, "tree").ShouldBeFalse();
    }

    [Fact]
    public void Removal_of_a_deep_and_wide_tree_keeps_no_descriptor_per_file()
    {
        var current = Path.Combine(root, "deep");
        Directory.CreateDirectory(current);
        var handle = new DirectoryInfo(current);
        for (var i = 0; i < 600; i++)
        {
            handle = handle.CreateSubdirectory("d");
        }

        for (var i = 0; i < 2000; i++)
        {
            File.WriteAllText(Path.Combine(root, "deep", $"f{i}"), "");
        }

        TreeRemoval.Remove(root, "deep").ShouldBeTrue();
        Directory.Exists(Path.Combine(root, "deep")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_lookup_as_the_job_user_cannot_open_what_the_user_cannot_read()
    {
        var (uid, gid, home) = OsUsers.Describe(OsUsers.Alice);
        var user = new RunAs(OsUsers.Alice, uid, gid, [], home, SwitchesUser: true);
        File.SetUnixFileMode(root, (UnixFileMode)0x1ed); // 0755
        var secret = Path.Combine(root, "secret");
        File.WriteAllText(secret, "root only");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var open = Path.Combine(root, "open");
        File.WriteAllText(open, "anyone");

        var errors = await UserFileAccess.RunAsync(user, () =>
        {
            LinuxFs.OpenDirectory(root, out var directory).ShouldBe(0);
            using (directory)
            {
                var denied = LinuxFs.OpenBeneath(directory, "secret", LinuxFs.ReadOnly, out var a);
                a.Dispose();
                var allowed = LinuxFs.OpenBeneath(directory, "open", LinuxFs.ReadOnly, out var b);
                b.Dispose();
                return (denied, allowed);
            }
        });

        errors.ShouldBe((LinuxFs.EACCES, 0));
        // The thread went back to root's rights: the same file opens for the server itself.
        LinuxFs.OpenDirectory(root, out var mine).ShouldBe(0);
        using (mine)
        {
            LinuxFs.OpenBeneath(mine, "secret", LinuxFs.ReadOnly, out var c).ShouldBe(0);
            c.Dispose();
            LinuxFs.OpenBeneath(mine, "../etc/passwd", LinuxFs.ReadOnly, out var d).ShouldBe(LinuxFs.EXDEV);
            d.Dispose();
        }
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
