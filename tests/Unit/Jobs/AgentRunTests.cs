using ClaudeBatch.Domain.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

public sealed class AgentRunTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static AgentRun Run(int exit, bool hasResult = true, bool isError = false, string? subtype = "success", string output = "done", string? tail = null) =>
        new(exit, hasResult, isError, subtype, output, "s1", 0.5m, 3, 100, tail);

    [Fact]
    public void Exit_0_without_an_error_completes_with_the_result() =>
        Run(0).Verdict("j", Now).ShouldBe(new JobCompleted("j", new AgentResult("done", "s1", 0.5m, 3, 100, 0), Now));

    [Fact]
    public void An_api_error_reported_as_success_with_is_error_fails() =>
        ((JobFailed)Run(1, isError: true, output: "API Error: 500").Verdict("j", Now)).Reason.ShouldContain("API Error: 500");

    [Fact]
    public void Is_error_fails_even_with_exit_0() =>
        Run(0, isError: true, output: "Not logged in").Verdict("j", Now).ShouldBeOfType<JobFailed>();

    [Fact]
    public void Max_turns_says_so() =>
        ((JobFailed)Run(1, subtype: "error_max_turns", isError: true, output: "").Verdict("j", Now)).Reason.ShouldContain("turn limit (3 turns)");

    [Fact]
    public void No_result_line_fails_with_the_exit_code_and_the_error_output() =>
        ((JobFailed)Run(137, hasResult: false, tail: "Killed\n").Verdict("j", Now)).Reason.ShouldBe(
            "The agent exited with code 137 without a result. Its last error output: Killed");

    [Fact]
    public void A_nonzero_exit_with_a_clean_result_still_fails() =>
        ((JobFailed)Run(3).Verdict("j", Now)).Reason.ShouldContain("exited with code 3");
}
