using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Unit.Tests.Repositories;

public sealed class GitSourceTests
{
    [Theory]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("http://host:8080/x.git", "http://host:8080/x.git")]
    [InlineData("ssh://git@host/org/repo.git", "ssh://git@host/org/repo.git")]
    [InlineData("git@github.com:org/repo.git", "git@github.com:org/repo.git")]
    public void Remote_URLs_are_accepted_as_they_are(string input, string url)
    {
        var source = GitSource.Parse(input);

        source.IsSuccess.ShouldBeTrue();
        source.Value!.Url.ShouldBe(url);
        source.Value.Kind.ShouldBe(GitSourceKind.Remote);
        source.Value.HasCredentials.ShouldBeFalse();
    }

    [Theory]
    [InlineData("https://alice:t0k%40en@host/x.git", "alice", "t0k@en")]
    [InlineData("https://ghp_TOKEN@host/x.git", "ghp_TOKEN", null)]
    public void Credentials_are_taken_out_of_an_http_URL(string input, string user, string? password)
    {
        var source = GitSource.Parse(input).Value!;

        source.Url.ShouldBe("https://host/x.git");
        source.Username.ShouldBe(user);
        source.Password.ShouldBe(password);
        source.HasCredentials.ShouldBeTrue();
    }

    [Fact]
    public void An_ssh_password_is_taken_out_but_the_login_name_stays()
    {
        var source = GitSource.Parse("ssh://git:hunter2@host/x.git").Value!;

        source.Url.ShouldBe("ssh://git@host/x.git");
        source.Password.ShouldBe("hunter2");
    }

    [Theory]
    [InlineData("https://github.com/org/repo.git", "github.com")]
    [InlineData("https://alice:pw@GitHub.com./x.git", "github.com.")]
    [InlineData("http://[::1]:8080/x.git", "::1")]
    [InlineData("http://[::ffff:127.0.0.1]/x.git", "::ffff:127.0.0.1")]
    [InlineData("http://0x7f.1/x.git", "127.0.0.1")]
    [InlineData("https://bücher.example/x.git", "xn--bcher-kva.example")]
    [InlineData("ssh://git@host.example:2222/x.git", "host.example")]
    [InlineData("git@github.com:org/repo.git", "github.com")]
    [InlineData("git@-oProxyCommand:x", "-oProxyCommand")]
    public void A_remote_source_names_the_host_a_resolver_is_given(string input, string host) =>
        GitSource.Parse(input).Value!.Host.ShouldBe(host);

    [Fact]
    public void A_local_source_has_no_host() => GitSource.Parse("/srv/git/repo").Value!.Host.ShouldBeNull();

    [Theory]
    [InlineData("/srv/git/repo", "/srv/git/repo")]
    [InlineData("file:///srv/git/repo.git", "/srv/git/repo.git")]
    public void Local_paths_and_file_URLs_are_local_sources(string input, string path)
    {
        var source = GitSource.Parse(input).Value!;

        source.Kind.ShouldBe(GitSourceKind.Local);
        source.LocalPath.ShouldBe(path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ftp://host/x")]
    [InlineData("relative/path")]
    [InlineData("https://host/x\n--upload-pack=evil")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///srv/git/a%00b")]
    [InlineData("file:///srv/git/a%0Ab")]
    public void Anything_else_is_refused(string input) => GitSource.Parse(input).IsSuccess.ShouldBeFalse();
}
