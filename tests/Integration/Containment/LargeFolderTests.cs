using ClaudeBatch.Infrastructure.Files;

namespace ClaudeBatch.Integration.Tests.Containment;

/// <summary>Folders with more entries than one directory read returns: every entry is seen, none is skipped.</summary>
public sealed class LargeFolderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("cbtest-large-").FullName;

    [Fact]
    public void A_folder_of_20000_files_is_removed_whole()
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, "node_modules")).FullName;
        for (var i = 0; i < 20_000; i++)
        {
            File.Create(Path.Combine(folder, $"module-{i:00000}.js")).Dispose();
        }

        TreeRemoval.Remove(root, "node_modules").ShouldBeTrue();

        Directory.Exists(folder).ShouldBeFalse();
    }

    [Fact]
    public void Every_one_of_3000_job_folders_is_made_private()
    {
        var jobs = Directory.CreateDirectory(Path.Combine(root, "jobs")).FullName;
        for (var i = 0; i < 3000; i++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(jobs, Guid.NewGuid().ToString())).FullName;
            File.SetUnixFileMode(folder, (UnixFileMode)0x1ed); // 0755
        }

        var (folders, changed) = PrivateJobFolders.RepairAll(jobs, CancellationToken.None);

        (folders, changed).ShouldBe((3000, 3000));
        Directory.GetDirectories(jobs).Select(File.GetUnixFileMode).Distinct().ShouldBe([PrivateJobFolders.PassThrough]);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);
}
