using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

public sealed class ShadowFileTests
{
    [Fact]
    public void Entries_are_read_with_their_hash_and_expiry_and_comments_and_blank_lines_are_skipped()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path,
        [
            "# comment",
            "",
            "alice:$6$salt$hash:19000:0:99999:7:::",
            "bob:!:19000:0:99999:7::20000:",
            "carol::19000::::::",
        ]);

        var entries = ShadowFile.Read(path).ToList();

        entries.Select(e => e.Username).ShouldBe(["alice", "bob", "carol"]);
        entries[0].IsUsable.ShouldBeTrue();
        entries[1].IsUsable.ShouldBeFalse();
        entries[1].ExpireDay.ShouldBe(20000);
        entries[2].IsUsable.ShouldBeFalse();
        File.Delete(path);
    }

    [Theory]
    [InlineData("!$6$salt$hash")]
    [InlineData("!!")]
    [InlineData("*")]
    [InlineData("")]
    public void Locked_and_empty_hashes_are_not_usable(string hash) =>
        new ShadowEntry("x", hash, null).IsUsable.ShouldBeFalse();

    [Fact]
    public void An_account_past_its_expiry_day_is_expired_and_one_before_it_is_not()
    {
        var entry = new ShadowEntry("x", "$6$a$b", ExpireDay: 20000);

        entry.IsExpired(DateTimeOffset.FromUnixTimeSeconds(20000L * 86400)).ShouldBeTrue();
        entry.IsExpired(DateTimeOffset.FromUnixTimeSeconds(19999L * 86400)).ShouldBeFalse();
    }
}
