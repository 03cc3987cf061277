using Microsoft.Win32.SafeHandles;

namespace ClaudeBatch.Infrastructure.Files;

/// <summary>
/// What the server keeps beside a workspace is its own: <c>Workspace:JobsPath</c> and each job's folder are 0711 (a
/// user passes through to their own workspace; nobody lists them), <c>staging/</c> 0700, uploads and the agent's logs
/// 0600, all owned by the server. Modes are set with <c>fchmod</c> on descriptors opened with <c>O_NOFOLLOW</c>, so
/// neither the umask nor a link can change what they apply to.
/// </summary>
public static class PrivateJobFolders
{
    /// <summary>0711: the jobs folder and each job's folder.</summary>
    public const UnixFileMode PassThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>0700: <c>staging/</c>.</summary>
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>0600: uploads and the agent's logs.</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public const string StagingFolder = "staging";

    private static readonly string[] Logs = ["agent.jsonl", "agent.stderr.log"];

    /// <summary>How the agent's logs are opened: appended to, readable while written, created 0600.</summary>
    public static FileStreamOptions AppendToLog => Private(new() { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read });

    /// <summary>How an upload is written into <c>staging/</c>: a new file, created 0600.</summary>
    public static FileStreamOptions NewUpload(int bufferSize) => Private(new()
    {
        Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize, Options = FileOptions.Asynchronous,
    });

    /// <summary>Creates the job's folder (and the jobs folder above it) if needed, 0711 either way.</summary>
    public static void CreateJobFolder(string jobFolder)
    {
        var jobs = Path.GetDirectoryName(jobFolder)!;
        Directory.CreateDirectory(jobs);
        Ensure(jobs, Path.GetFileName(jobFolder), PassThrough);
    }

    /// <summary>Creates the job's folder and its <c>staging/</c> if needed, 0711 and 0700 either way.</summary>
    public static void CreateStaging(string stagingFolder)
    {
        var jobFolder = Path.GetDirectoryName(stagingFolder)!;
        CreateJobFolder(jobFolder);
        Ensure(jobFolder, Path.GetFileName(stagingFolder), OwnerOnlyFolder);
    }

    /// <summary>Gives the jobs folder itself its mode (0711).</summary>
    public static void RestrictJobsFolder(string jobsPath)
    {
        Open(jobsPath, out var jobs);
        using (jobs)
        {
            Restrict(jobs, PassThrough, owner: null);
        }
    }

    /// <summary>
    /// Makes every job folder under <paramref name="jobsPath"/> private as an older server may not have: the folder, its
    /// staging folder and uploads, its logs. Only what the jobs folder's owner owns is changed; links are never followed
    /// and workspaces (the users' own) are not touched. Answers how many folders were looked at and modes changed.
    /// </summary>
    public static (int Folders, int Changed) RepairAll(string jobsPath, CancellationToken cancellationToken)
    {
        Open(jobsPath, out var jobs);
        using (jobs)
        {
            var owner = LinuxFs.Stat(jobs).Uid;
            var (folders, changed) = (0, 0);
            List<(string Name, FileKind Kind)> batch;
            while ((batch = LinuxFs.ReadDirectory(jobs, 1024)).Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (var (name, kind) in batch)
                {
                    if (kind is (FileKind.Directory or FileKind.Unknown) && OpenFolder(jobs, name) is { } folder)
                    {
                        using (folder)
                        {
                            folders++;
                            changed += RepairJobFolder(folder, owner);
                        }
                    }
                }
            }

            return (folders, changed);
        }
    }

    private static int RepairJobFolder(SafeFileHandle folder, int owner)
    {
        var changed = Restrict(folder, PassThrough, owner);
        foreach (var log in Logs)
        {
            changed += RestrictFile(folder, log, owner);
        }

        if (OpenFolder(folder, StagingFolder) is { } staging)
        {
            using (staging)
            {
                changed += Restrict(staging, OwnerOnlyFolder, owner);
                List<(string Name, FileKind Kind)> batch;
                while ((batch = LinuxFs.ReadDirectory(staging, 1024)).Count > 0)
                {
                    foreach (var (name, _) in batch)
                    {
                        changed += RestrictFile(staging, name, owner);
                    }
                }
            }
        }

        return changed;
    }

    /// <summary>Creates <paramref name="name"/> in the server-owned <paramref name="parentPath"/> unless it exists, and sets its mode.</summary>
    private static void Ensure(string parentPath, string name, UnixFileMode mode)
    {
        Open(parentPath, out var parent);
        using (parent)
        {
            var made = LinuxFs.MakeDirectoryAt(parent, name, mode);
            if (made is not (0 or LinuxFs.EEXIST))
            {
                throw LinuxFs.Failure(made, $"mkdir {Path.Combine(parentPath, name)}");
            }

            var opened = LinuxFs.OpenAt(parent, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var folder);
            using (folder)
            {
                if (opened != 0)
                {
                    throw LinuxFs.Failure(opened, $"open {Path.Combine(parentPath, name)}");
                }

                Restrict(folder, mode, owner: null);
            }
        }
    }

    /// <summary>A regular file <paramref name="name"/> of <paramref name="directory"/>, owned by <paramref name="owner"/>, made 0600.</summary>
    private static int RestrictFile(SafeFileHandle directory, string name, int owner)
    {
        if (LinuxFs.StatEntry(directory, name, out var entry) != 0 || entry.Kind != FileKind.Regular
            || entry.Permissions == OwnerOnlyFile || entry.Uid != owner)
        {
            return 0;
        }

        if (LinuxFs.OpenAt(directory, name, LinuxFs.ReadOnly | LinuxFs.NoFollow | LinuxFs.NonBlocking, 0, out var file) != 0)
        {
            file.Dispose();
            return 0;
        }

        using (file)
        {
            return LinuxFs.Stat(file).Kind == FileKind.Regular ? Restrict(file, OwnerOnlyFile, owner) : 0;
        }
    }

    private static int Restrict(SafeFileHandle handle, UnixFileMode mode, int? owner)
    {
        var status = LinuxFs.Stat(handle);
        if (status.Permissions == mode || (owner is { } uid && status.Uid != uid))
        {
            return 0;
        }

        LinuxFs.ChangeMode(handle, mode);
        return 1;
    }

    private static FileStreamOptions Private(FileStreamOptions options)
    {
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return options;
    }

    private static SafeFileHandle? OpenFolder(SafeFileHandle parent, string name)
    {
        if (LinuxFs.OpenAt(parent, name, LinuxFs.ReadOnly | LinuxFs.Directory | LinuxFs.NoFollow, 0, out var folder) == 0)
        {
            return folder;
        }

        folder.Dispose();
        return null;
    }

    private static void Open(string path, out SafeFileHandle directory)
    {
        var error = LinuxFs.OpenDirectory(path, out directory);
        if (error != 0)
        {
            directory.Dispose();
            throw LinuxFs.Failure(error, $"open {path}");
        }
    }
}
