using ClaudeBatch.Application.Repositories;
using ClaudeBatch.Domain.Repositories;
using ClaudeBatch.Infrastructure.Repositories;
using LibGit2Sharp;

namespace ClaudeBatch.Unit.Tests.Repositories;

/// <summary>
/// The one credential helper the clone and the pull share: the same callback, and the same redaction of whatever a
/// failure's text carries — the source's own secrets, and any URL's user information or token, such as an origin
/// rewritten with other credentials or a redirect's target.
/// </summary>
public sealed class GitCredentialsTests
{
    private static readonly GitSource Source = GitSource.Parse("https://alice:p%40ss@git.example.com/org/repo.git").Value!;

    [Theory]
    [InlineData("auth failed for alice with p@ss", "auth failed for *** with ***")]
    [InlineData("auth failed for p%40ss", "auth failed for ***")]
    [InlineData("https://git.example.com/org/repo.git: HTTP 401", "https://git.example.com/org/repo.git: HTTP 401")]
    [InlineData("https://bob:hunter2@other.example.com/x.git: HTTP 500", "https://***@other.example.com/x.git: HTTP 500")]
    [InlineData("HTTP 302 to https://ghp_abcdefghijklmnop@evil.example/x", "HTTP 302 to https://***@evil.example/x")]
    [InlineData("HTTP 302 to https://evil.example/x?access_token=abc123&ref=main", "HTTP 302 to https://evil.example/x?access_token=***&ref=main")]
    [InlineData("sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "sent Authorization: Bearer ***")]
    [InlineData("git@github.com:org/repo.git: no route", "git@github.com:org/repo.git: no route")]
    public void Redact_hides_the_sources_secrets_and_any_urls_credentials(string text, string expected) =>
        GitCredentials.Redact(text, Source).ShouldBe(expected);

    [Fact]
    public void The_pull_and_the_clone_log_the_same_redacted_detail()
    {
        // Both paths log through GitErrors.ForLog: a fetch from an origin that carries other credentials is redacted too.
        using var session = new GitNetworkSession(false, new DnsHostResolver(), CancellationToken.None);
        session.Fail(GitFailure.Redirected, "https://bob:hunter2@origin.example/x.git: HTTP 302 to https://alice:p%40ss@evil.example/?token=s3cr3t");

        var logged = GitErrors.ForLog(new LibGit2SharpException("request failed for p@ss"), Source, session);

        logged.ShouldBe("request failed for ***; https://***@origin.example/x.git: HTTP 302 to https://***@evil.example/?token=***");
        logged.ShouldNotContain("hunter2");
        logged.ShouldNotContain("s3cr3t");
    }

    [Fact]
    public void A_source_without_credentials_has_no_callback_and_one_with_them_answers_with_them()
    {
        GitCredentials.Provider(GitSource.Parse("https://git.example.com/x.git").Value!).ShouldBeNull();

        var credentials = GitCredentials.Provider(Source)!("https://git.example.com/x.git", null, SupportedCredentialTypes.UsernamePassword);

        var basic = credentials.ShouldBeOfType<UsernamePasswordCredentials>();
        basic.Username.ShouldBe("alice");
        basic.Password.ShouldBe("p@ss");
    }
}
