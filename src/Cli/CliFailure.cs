namespace ClaudeBatch.Cli;

/// <summary>The exit codes of <c>cbs</c>, for scripts and CI.</summary>
public static class ExitCodes
{
    /// <summary>Done; for a job, it completed.</summary>
    public const int Ok = 0;

    /// <summary>The server refused (the message says why), or the job failed, timed out or was cancelled.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The server cannot be reached, or it does not accept the credentials.</summary>
    public const int Unreachable = 3;
}

/// <summary>Ends the command with <paramref name="exitCode"/> and a one-line message on standard error, never a stack trace.</summary>
public sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>No answer came (refused, dropped, timed out): worth sending again. Not so for a refused credential.</summary>
    public bool NoAnswer { get; init; }

    public static CliFailure Usage(string message) => new(ExitCodes.Usage, message);

    /// <summary>The server does not accept the credentials (or there are none): exit 3, and sending again cannot help.</summary>
    public static CliFailure NotSignedIn(string message) => new(ExitCodes.Unreachable, message);
}
