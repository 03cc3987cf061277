namespace ClaudeBatch.Integration.Tests.Deployment;

/// <summary>The checkout the tests run from (the folder holding ClaudeBatch.sln).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(folder.FullName, "ClaudeBatch.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("ClaudeBatch.sln not found above " + AppContext.BaseDirectory);
    }
}
