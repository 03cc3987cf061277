using System.Text;
using ClaudeBatch.Infrastructure.Identity;

namespace ClaudeBatch.Unit.Tests.Identity;

/// <summary>The real libcrypt, against known answers: no mock stands in for it.</summary>
public sealed class LibCryptTests
{
    [Fact]
    public void A_sha512_crypt_hash_is_reproduced_from_its_password_and_setting()
    {
        // Known answer from the SHA-crypt specification's test vectors.
        var hash = LibCrypt.Hash("Hello world!", "$6$saltstring");

        Encoding.UTF8.GetString(hash!).ShouldBe(
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1");
    }

    [Fact]
    public void An_unknown_scheme_yields_no_hash() => LibCrypt.Hash("x", "$unknown$salt").ShouldBeNull();
}
