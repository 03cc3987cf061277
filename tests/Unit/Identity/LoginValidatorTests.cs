using ClaudeBatch.Application.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

public sealed class LoginValidatorTests
{
    private readonly Login.Validator validator = new();

    [Theory]
    [InlineData("alice")]
    [InlineData("_svc")]
    [InlineData("build.bot-2")]
    [InlineData("A1234567890123456789012345678901")]
    public void An_account_name_as_useradd_makes_them_is_accepted(string username) =>
        validator.Validate(new Login(username, "secret", null)).IsValid.ShouldBeTrue();

    [Theory]
    [InlineData("")]
    [InlineData("-rf")]
    [InlineData("../etc")]
    [InlineData("a b")]
    [InlineData("a'b")]
    [InlineData("a$(id)")]
    [InlineData("a\nb")]
    [InlineData("alice\n")]
    [InlineData("A12345678901234567890123456789012")]
    public void Anything_else_as_a_username_is_refused(string username) =>
        validator.Validate(new Login(username, "secret", null)).Errors.ShouldContain(e => e.PropertyName == "Username");

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public void An_empty_password_or_one_with_NUL_is_refused(string password) =>
        validator.Validate(new Login("alice", password, null)).Errors.ShouldContain(e => e.PropertyName == "Password");

    [Fact]
    public void A_password_longer_than_the_limit_is_refused_and_one_at_the_limit_is_not()
    {
        validator.Validate(new Login("alice", new string('p', Login.MaxPasswordLength), null)).IsValid.ShouldBeTrue();
        validator.Validate(new Login("alice", new string('p', Login.MaxPasswordLength + 1), null)).IsValid.ShouldBeFalse();
    }

    [Fact]
    public void The_command_never_prints_its_password()
    {
        new Login("alice", "hunter2-secret", "127.0.0.1").ToString().ShouldNotContain("hunter2-secret");
    }
}
