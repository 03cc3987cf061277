using ClaudeBatch.Domain.Common;
using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Unit.Tests.Repositories;

public sealed class RepositoryTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static RepositoryRegistered Registered(string by = "alice") =>
        new("repo", "https://host/x.git", null, "", false, "/repos/repo", by, Now);

    [Fact]
    public void Registering_a_free_name_gives_the_fact()
    {
        var result = Repository.From([]).Register("repo", "https://host/x.git", null, "d", true, "/repos/repo", "alice", Now);

        result.Value.ShouldBe(new RepositoryRegistered("repo", "https://host/x.git", null, "d", true, "/repos/repo", "alice", Now));
    }

    [Fact]
    public void Registering_a_name_in_use_is_a_conflict()
    {
        var result = Repository.From([Registered()]).Register("repo", "u", null, "", false, "/p", "bob", Now);

        result.Error!.Kind.ShouldBe(ErrorKind.Conflict);
    }

    [Fact]
    public void A_name_unregistered_is_free_again()
    {
        var repository = Repository.From([Registered(), new RepositoryUnregistered("repo", "alice", false, Now)]);

        repository.Register("repo", "u", null, "", false, "/p", "bob", Now).IsSuccess.ShouldBeTrue();
        repository.Version.ShouldBe(2);
    }

    [Fact]
    public void A_pull_now_clones_a_failed_repository_again_fast_forwards_a_cloned_one_and_waits_for_a_clone_or_index()
    {
        var failed = Repository.From([Registered(), new RepositoryCloneFailed("repo", "x", Now)]);
        var again = failed.RequestRefresh("bob", Now).Value;
        again.ShouldBe(new RepositoryRefreshRequested("repo", "bob", true, Now));
        failed.Evolve(again);
        (failed.CloneStatus, failed.AcceptsCloneResult).ShouldBe((CloneStatus.Cloning, true));

        Repository.From([Registered(), new RepositoryCloned("repo", "main", "abc", "m", 1, 1, 1, Now)])
            .RequestRefresh("bob", Now).Value.Reclone.ShouldBeFalse();

        Repository.From([Registered()]).RequestRefresh("bob", Now).Error!.Code.ShouldBe("repository-busy");
        Repository.From([Registered(), new RepositoryCloned("repo", "main", "abc", "m", 1, 1, 1, Now), new RepositoryIndexStarted("repo", Now)])
            .RequestRefresh("bob", Now).Error!.Code.ShouldBe("repository-busy");
        Repository.From([Registered(), new RepositoryUnregistered("repo", "alice", false, Now)])
            .RequestRefresh("bob", Now).Error!.Kind.ShouldBe(ErrorKind.NotFound);
    }

    [Fact]
    public void Only_a_clone_in_flight_accepts_a_result()
    {
        Repository.From([Registered()]).AcceptsCloneResult.ShouldBeTrue();
        Repository.From([Registered(), new RepositoryCloneFailed("repo", "x", Now)]).AcceptsCloneResult.ShouldBeFalse();
        Repository.From([Registered(), new RepositoryUnregistered("repo", "alice", false, Now)]).AcceptsCloneResult.ShouldBeFalse();
    }

    [Theory]
    [InlineData("bob", false, 0, false, ErrorKind.Forbidden)]
    [InlineData("alice", false, 2, false, ErrorKind.Conflict)]
    [InlineData("bob", true, 1, false, ErrorKind.Conflict)]
    public void Unregistering_is_refused_to_strangers_and_while_jobs_run(string caller, bool admin, int jobs, bool force, ErrorKind kind) =>
        Repository.From([Registered()]).Unregister(caller, admin, jobs, force, Now).Error!.Kind.ShouldBe(kind);

    [Theory]
    [InlineData("alice", false, 0, false)]
    [InlineData("bob", true, 0, false)]
    [InlineData("alice", false, 3, true)]
    public void The_owner_or_an_admin_unregisters_and_force_overrides_running_jobs(string caller, bool admin, int jobs, bool force) =>
        Repository.From([Registered()]).Unregister(caller, admin, jobs, force, Now).Value.ShouldBe(new RepositoryUnregistered("repo", caller, force, Now));

    [Fact]
    public void Unregistering_an_unknown_repository_is_not_found() =>
        Repository.From([]).Unregister("alice", true, 0, false, Now).Error!.Kind.ShouldBe(ErrorKind.NotFound);

    [Fact]
    public void An_unknown_repository_is_one_problem_type_404_by_url_and_400_by_request_body()
    {
        var byUrl = RepositoryErrors.NotFound("repo");
        var byBody = RepositoryErrors.NamedInRequest("repo");

        byUrl.Code.ShouldBe("repository-not-found");
        byBody.Code.ShouldBe(byUrl.Code);
        byBody.Message.ShouldBe(byUrl.Message);
        byUrl.Kind.ShouldBe(ErrorKind.NotFound);
        byBody.Kind.ShouldBe(ErrorKind.Invalid);
    }
}
