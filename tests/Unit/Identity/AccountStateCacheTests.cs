using ClaudeBatch.Application.Identity;
using ClaudeBatch.Infrastructure.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClaudeBatch.Unit.Tests.Identity;

/// <summary>The snapshot of the account files behind every request: cheap to ask, and never more than seconds behind.</summary>
public sealed class AccountStateCacheTests : IDisposable
{
    private const string Alice = "alice:$6$salt$hash:19000:0:99999:7:::";
    private const string Bob = "bob:$6$salt$hash:19000:0:99999:7:::";

    private readonly string folder = Directory.CreateTempSubdirectory("account-state-").FullName;
    private readonly AccountStateCache cache;

    public AccountStateCacheTests()
    {
        File.WriteAllLines(ShadowPath, [Alice]);
        File.WriteAllLines(PasswdPath, ["alice:x:1001:1001::/home/alice:/bin/sh", "bob:x:1002:1002::/home/bob:/bin/sh"]);
        cache = new AccountStateCache(
            new AuthOptions { ShadowFilePath = ShadowPath, PasswdFilePath = PasswdPath },
            TimeProvider.System,
            NullLogger<AccountStateCache>.Instance);
    }

    private string ShadowPath => Path.Combine(folder, "shadow");

    private string PasswdPath => Path.Combine(folder, "passwd");

    [Fact]
    public void An_account_added_a_moment_ago_is_usable_at_once()
    {
        cache.Recent("alice").ShouldBe(AccountState.Usable);

        File.AppendAllLines(ShadowPath, [Bob]);

        cache.Recent("bob").ShouldBe(AccountState.Usable);
    }

    [Fact]
    public async Task A_lock_that_keeps_the_files_size_and_time_stamp_is_still_seen_within_the_bound()
    {
        cache.Recent("alice").ShouldBe(AccountState.Usable);
        var stamp = File.GetLastWriteTimeUtc(ShadowPath);

        // The same length, and the time stamp put back: what a coarse file-system clock would show for a quick edit.
        File.WriteAllLines(ShadowPath, [Alice.Replace("$6$", "!6$", StringComparison.Ordinal)]);
        File.SetLastWriteTimeUtc(ShadowPath, stamp);

        await WaitForAsync(() => cache.Recent("alice") == AccountState.Locked);
    }

    [Fact]
    public async Task Unreadable_files_vouch_for_nobody_until_they_are_back()
    {
        cache.Recent("alice").ShouldBe(AccountState.Usable);

        File.Move(ShadowPath, ShadowPath + ".away");
        await WaitForAsync(() => cache.Recent("alice") == AccountState.Gone);

        File.Move(ShadowPath + ".away", ShadowPath);
        cache.Recent("alice").ShouldBe(AccountState.Usable);
    }

    [Fact]
    public void Current_sees_a_lock_at_once()
    {
        cache.Recent("alice").ShouldBe(AccountState.Usable);

        File.WriteAllLines(ShadowPath, ["alice:!$6$salt$hash:19000:0:99999:7:::"]);

        cache.Current("alice", uid: null).ShouldBe(AccountState.Locked);
    }

    [Fact]
    public void Current_sees_at_once_that_the_account_under_a_name_is_another_one()
    {
        cache.Current("alice", 1001).ShouldBe(AccountState.Usable);

        File.WriteAllLines(PasswdPath, ["alice:x:1003:1003::/home/alice:/bin/sh"]);

        cache.Current("alice", 1001).ShouldBe(AccountState.Gone);
        cache.Current("alice", 1003).ShouldBe(AccountState.Usable);
        cache.Current("alice", uid: null).ShouldBe(AccountState.Usable);
    }

    [Fact]
    public async Task A_credential_made_for_one_uid_does_not_open_another_account_of_the_same_name()
    {
        cache.Recent("alice", 1001).ShouldBe(AccountState.Usable);

        // userdel alice; useradd alice: the name again, another uid, another person.
        File.WriteAllLines(PasswdPath, ["alice:x:1003:1003::/home/alice:/bin/sh"]);

        await WaitForAsync(() => cache.Recent("alice", 1001) == AccountState.Gone);
        cache.Recent("alice", 1003).ShouldBe(AccountState.Usable);
        cache.Recent("alice").ShouldBe(AccountState.Usable);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "not seen within 10 s");
            await Task.Delay(50);
        }
    }
}
