using ClaudeBatch.Domain.Repositories;

namespace ClaudeBatch.Application.Repositories;

public static class RepositorySources
{
    /// <summary>The repository's source with its credentials decrypted, for cloning and pulling only.</summary>
    public static GitSource SourceOf(this ISecretProtector secrets, Repository repository)
    {
        var source = GitSource.Parse(repository.GitUrl).Value!;
        if (repository.ProtectedCredentials is null)
        {
            return source;
        }

        var credentials = secrets.Unprotect(repository.ProtectedCredentials) ?? ":";
        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        var password = credentials[(colon + 1)..];
        return source with { Username = credentials[..colon], Password = password.Length == 0 ? null : password };
    }
}
