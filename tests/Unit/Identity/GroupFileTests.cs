using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

public sealed class GroupFileTests
{
    [Fact]
    public void Groups_are_read_with_their_gid_and_members_and_short_lines_are_skipped()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path,
        [
            "# comment",
            "",
            "admins:x:1500:alice, bob",
            "devs:x:notanumber:carol",
            "empty:x:1600:",
            "short:x:1700",
        ]);

        var groups = GroupFile.Read(path).ToList();

        groups.Select(g => g.Name).ShouldBe(["admins", "devs", "empty"]);
        groups[0].Gid.ShouldBe(1500);
        groups[0].Members.ShouldBe(["alice", "bob"]);
        groups[1].Gid.ShouldBeNull();
        groups[2].Members.ShouldBe([""]);
        File.Delete(path);
    }

    [Fact]
    public void A_missing_file_has_no_groups() =>
        GroupFile.Read(Path.Combine(Path.GetTempPath(), $"no-group-{Guid.NewGuid():N}")).ShouldBeEmpty();

    [Theory]
    [InlineData("alice", true)] // listed as a member
    [InlineData("dave", true)] // the group is dave's primary group
    [InlineData("carol", false)]
    [InlineData("nobody-at-all", false)]
    public async Task An_administrator_is_a_listed_member_of_the_admin_group_or_has_it_as_primary_group(string user, bool expected)
    {
        var passwd = Path.GetTempFileName();
        var group = Path.GetTempFileName();
        File.WriteAllLines(passwd, ["alice:x:1001:1001::/home/alice:/bin/sh", "carol:x:1003:1003::/home/carol:/bin/sh", "dave:x:1004:1500::/home/dave:/bin/sh"]);
        File.WriteAllLines(group, ["other:x:1400:carol", "admins:x:1500:alice"]);
        var directory = new PasswdAccountDirectory(new AuthOptions { PasswdFilePath = passwd, GroupFilePath = group, AdminGroup = "admins" });

        (await directory.IsAdministratorAsync(user, CancellationToken.None)).ShouldBe(expected);
        File.Delete(passwd);
        File.Delete(group);
    }
}
