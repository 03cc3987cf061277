using System.Collections.Concurrent;
using ClaudeBatch.Application.Jobs;
using ClaudeBatch.Domain.Jobs;
using ClaudeBatch.Infrastructure.Impersonation;
using ClaudeBatch.Infrastructure.Jobs;
using ClaudeBatch.Infrastructure.Processes;
using ClaudeBatch.Integration.Tests.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClaudeBatch.Integration.Tests.Processes;

/// <summary>
/// The one process runner, with real processes: exit codes, capped capture, stdin and streamed lines, and what a
/// timeout or cancellation kills — the process group of a job process (it leads a session), a grandchild that left
/// that group with <c>setsid</c>, and, for a job's own cgroup leaf, a daemon that is no longer even a descendant.
/// </summary>
public sealed class ProcessRunnerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private static readonly JobCgroups Cgroups = JobCgroups.Detect(new JobsOptions(), NullLogger<JobCgroups>.Instance);

    private readonly ProcessRunner runner = new(new UserProcesses(new ImpersonationOptions { Mode = ImpersonationOptions.None }, Cgroups), Cgroups);

    [Fact]
    public async Task Returns_the_exit_code_with_stdout_and_stderr()
    {
        var result = await runner.RunAsync(Shell("echo out; echo err >&2; exit 3"), CancellationToken.None);

        result.ExitCode.ShouldBe(3);
        result.Output.ShouldBe("out\n");
        result.Error.ShouldBe("err\n");
        result.TimedOut.ShouldBeFalse();
    }

    [Fact]
    public async Task Keeps_the_head_of_stdout_and_the_tail_of_stderr_within_their_caps_and_reads_both_to_the_end()
    {
        var command = Shell("printf head; head -c 300000 /dev/zero | tr '\\0' o; printf start >&2; head -c 300000 /dev/zero | tr '\\0' e >&2; printf tail >&2")
            with { OutputLimit = 10, ErrorLimit = 10 };

        var result = await runner.RunAsync(command, CancellationToken.None);

        result.ExitCode.ShouldBe(0);
        result.Output.ShouldBe("headoooooo");
        result.Error.ShouldBe("eeeeeetail");
    }

    [Fact]
    public async Task Writes_stdin_and_streams_stdout_line_by_line_while_still_capturing_stderr()
    {
        var lines = new List<string>();
        var errors = new List<string>();
        var command = new ProcessCommand("sh", ["-c", "cat; echo done >&2"])
        {
            Input = "one\ntwo\nthree\n",
            OutputLine = line =>
            {
                lines.Add(line);
                return Task.CompletedTask;
            },
            ErrorText = text =>
            {
                errors.Add(text.ToString());
                return Task.CompletedTask;
            },
        };

        var result = await runner.RunAsync(command, CancellationToken.None);

        lines.ShouldBe(["one", "two", "three"]);
        string.Concat(errors).ShouldBe("done\n");
        result.Output.ShouldBe("");
        result.Error.ShouldBe("done\n");
    }

    [Fact]
    public async Task Runs_a_user_process_in_a_session_of_its_own_with_a_clean_environment()
    {
        var command = Shell("echo $$ $(cut -d' ' -f6 /proc/$$/stat) \"$HOME\" \"${CLAUDEBATCH_TEST_POSTGRES:-unset}\" \"$EXTRA\"") with
        {
            User = ServerAccount.Identity,
            WorkingDirectory = Path.GetTempPath(),
            Environment = new Dictionary<string, string> { ["EXTRA"] = "given" },
        };

        var result = await runner.RunAsync(command, CancellationToken.None);

        var words = result.Output.Trim().Split(' ');
        words[0].ShouldBe(words[1], "the process leads its own session");
        words[2..].ShouldBe([ServerAccount.Identity.Home, "unset", "given"]);
    }

    [Fact]
    public async Task A_timeout_kills_the_users_process_group_and_a_setsid_grandchild_and_says_so()
    {
        var pids = new ConcurrentQueue<int>();
        var command = ChildrenThenWait() with
        {
            User = ServerAccount.Identity,
            WorkingDirectory = Path.GetTempPath(),
            Timeout = TimeSpan.FromSeconds(1),
            OutputLine = Collect(pids),
        };

        var result = await runner.RunAsync(command, CancellationToken.None);

        result.TimedOut.ShouldBeTrue();
        await ShouldAllDieAsync(pids, expected: 2);
    }

    [Fact]
    public async Task Cancellation_kills_the_users_process_group_and_a_setsid_grandchild_and_throws()
    {
        var pids = new ConcurrentQueue<int>();
        using var cancel = new CancellationTokenSource();
        var command = ChildrenThenWait() with
        {
            User = ServerAccount.Identity,
            WorkingDirectory = Path.GetTempPath(),
            OutputLine = line =>
            {
                pids.Enqueue(int.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
                if (pids.Count == 2)
                {
                    cancel.Cancel();
                }

                return Task.CompletedTask;
            },
        };

        (await Record.ExceptionAsync(() => runner.RunAsync(command, cancel.Token))).ShouldBeAssignableTo<OperationCanceledException>();

        await ShouldAllDieAsync(pids, expected: 2);
    }

    [Fact]
    public async Task A_timeout_kills_the_children_of_a_server_command_too()
    {
        var pids = new ConcurrentQueue<int>();
        var command = ChildrenThenWait() with { Timeout = TimeSpan.FromSeconds(1), OutputLine = Collect(pids) };

        var result = await runner.RunAsync(command, CancellationToken.None);

        result.TimedOut.ShouldBeTrue();
        await ShouldAllDieAsync(pids, expected: 2);
    }

    [Fact]
    public async Task With_KillLeftovers_what_holds_the_output_after_the_program_exits_is_killed_and_does_not_keep_it_open()
    {
        var pids = new ConcurrentQueue<int>();
        var command = Shell("sleep 300 & echo $!") with
        {
            User = ServerAccount.Identity,
            WorkingDirectory = Path.GetTempPath(),
            KillLeftovers = true,
            OutputLine = Collect(pids),
        };

        var run = runner.RunAsync(command, CancellationToken.None);

        (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)))).ShouldBe(run, "the leftover sleep kept the output open");
        (await run).ExitCode.ShouldBe(0);
        await ShouldAllDieAsync(pids, expected: 1);
    }

    [Fact]
    public async Task A_timeout_of_a_job_process_with_KillLeftovers_empties_its_cgroup_leaf_daemons_included()
    {
        Cgroups.Mode.ShouldBe(ContainmentMode.Cgroup, Cgroups.Description);
        var jobId = Guid.NewGuid().ToString("D");
        await Cgroups.OpenAsync(jobId, CancellationToken.None);
        try
        {
            var pids = new ConcurrentQueue<int>();
            // The daemon's parent exits at once: it is in no group, session or process tree of the runner's process.
            var command = Shell("setsid sh -c 'sleep 300 </dev/null >/dev/null 2>&1 & echo $!'; sleep 300") with
            {
                User = ServerAccount.Identity with { JobId = jobId },
                Part = JobCgroups.Agent,
                WorkingDirectory = Path.GetTempPath(),
                Timeout = TimeSpan.FromSeconds(1),
                KillLeftovers = true,
                OutputLine = Collect(pids),
            };

            var result = await runner.RunAsync(command, CancellationToken.None);

            result.TimedOut.ShouldBeTrue();
            await ShouldAllDieAsync(pids, expected: 1);
        }
        finally
        {
            await Cgroups.CloseAsync(jobId, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_timeout_returns_even_while_a_process_outside_the_group_and_tree_still_holds_the_output()
    {
        var pids = new ConcurrentQueue<int>();
        // Its parent exits at once: the sleep is in no group, session or process tree of the runner's process, and keeps stdout.
        var command = Shell("setsid sh -c 'sleep 300 & echo $!'; sleep 300") with
        {
            User = ServerAccount.Identity,
            WorkingDirectory = Path.GetTempPath(),
            Timeout = TimeSpan.FromSeconds(1),
            OutputLine = Collect(pids),
        };

        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var run = runner.RunAsync(command, CancellationToken.None);

            (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30)))).ShouldBe(run, "the runner waited for output held open by a stray process");
            (await run).TimedOut.ShouldBeTrue();
            // The reading is cancelled, not merely given up on after its bounded wait (5 s).
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        }
        finally
        {
            foreach (var pid in pids)
            {
                Daemons.KillIfStillSleeping(pid);
            }
        }
    }

    [Fact]
    public async Task RunChecked_returns_stdout_or_throws_with_stderr()
    {
        (await ProcessRunner.RunCheckedAsync("sh", ["-c", "echo fine"], CancellationToken.None)).ShouldBe("fine\n");

        var failure = await Should.ThrowAsync<IOException>(() => ProcessRunner.RunCheckedAsync("sh", ["-c", "echo broken >&2; exit 2"], CancellationToken.None));

        failure.Message.ShouldBe("sh failed with exit code 2: broken");
    }

    [Fact]
    public async Task A_missing_program_cannot_start()
    {
        await Should.ThrowAsync<System.ComponentModel.Win32Exception>(() =>
            runner.RunAsync(new ProcessCommand("/nonexistent/program", []), CancellationToken.None));
    }

    private static ProcessCommand Shell(string script) => new("sh", ["-c", script]);

    /// <summary>A child in the group, a grandchild that left it with setsid (each pid on a line), then waits for them.</summary>
    private static ProcessCommand ChildrenThenWait() => Shell("sleep 300 & echo $!; setsid sleep 301 & echo $!; wait");

    private static Func<string, Task> Collect(ConcurrentQueue<int> pids) => line =>
    {
        pids.Enqueue(int.Parse(line, System.Globalization.CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    };

    private static async Task ShouldAllDieAsync(ConcurrentQueue<int> pids, int expected)
    {
        pids.Count.ShouldBe(expected);
        try
        {
            foreach (var pid in pids)
            {
                await Daemons.ShouldDieWithinAsync(pid, Bound);
            }
        }
        finally
        {
            foreach (var pid in pids)
            {
                Daemons.KillIfStillSleeping(pid);
            }
        }
    }
}
