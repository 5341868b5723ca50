namespace Pluggable.Fuzzing.Tests;

public class RunJudgeTests
{
    private const string Text = "# a comment\nmmap a anon 4p\n\ntouch a read => ok 0x00\npagemap a 4p\n";

    private static RunRecord Finished(int exit, string stdout, string stderr = "") => new(RunEnd.Finished, exit, stdout, stderr, TimeSpan.Zero);

    private static Verdict? Judge(RunRecord run, ScenarioOrigin origin = ScenarioOrigin.Generated) => RunJudge.Judge(Text, run, origin);

    [Fact]
    public void A_clean_run_and_a_failed_expectation_are_healthy()
    {
        Assert.Null(Judge(Finished(0, "mmap a anon 4p -> ok\nend -> ok\n")));
        Assert.Null(Judge(Finished(1, "mmap a anon 4p -> ok\nend -> ok\n", "s:4: expected 'ok 0x00', got 'SIGSEGV'\n"), ScenarioOrigin.Mutated));
    }

    [Fact]
    public void A_kernel_assertion_is_a_broken_invariant_on_its_line()
    {
        var verdict = Judge(Finished(2, "mmap a anon 4p -> ok\n", "scenario:4: error: the emulator x86_64 backend failed: VM_BUG_ON: unpin of pfn 0x3ea with refcount 3 (InvalidOperationException)\n"));
        Assert.Equal(FindingKind.InvariantBroken, verdict?.Kind);
        Assert.Equal(4, verdict?.Line);
        Assert.Contains("at line 4: touch a read", verdict?.Summary);
    }

    [Fact]
    public void Any_other_exception_is_an_internal_error_also_at_teardown()
    {
        Assert.Equal(FindingKind.InternalError, Judge(Finished(2, "", "scenario:5: error: the emulator x86_64 backend failed: Arithmetic operation resulted in an overflow. (OverflowException)\n"))?.Kind);
        var teardown = Judge(Finished(2, "end -> ok\n", "scenario: error: the emulator x86_64 backend failed at teardown: Object reference not set (NullReferenceException)\n"));
        Assert.Equal(FindingKind.InternalError, teardown?.Kind);
        Assert.Null(teardown?.Line);
    }

    [Fact]
    public void The_same_bug_with_other_numbers_has_the_same_signature()
    {
        var one = Judge(Finished(2, "", "scenario:4: error: the emulator x86_64 backend failed: BUG: unreserving 3 2M pages, only 0 reserved (InvalidOperationException)\n"));
        var two = Judge(Finished(2, "", "scenario:4: error: the emulator x86_64 backend failed: BUG: unreserving 1 2M pages, only 0 reserved (InvalidOperationException)\n"));
        Assert.Equal(one?.Signature, two?.Signature);
    }

    [Fact]
    public void A_timeout_is_a_hang_at_the_command_after_the_last_one_printed()
    {
        var verdict = Judge(new RunRecord(RunEnd.Finished, 3, "mmap a anon 4p -> ok\nend -> timeout\n", "", TimeSpan.Zero));
        Assert.Equal(FindingKind.Hang, verdict?.Kind);
        Assert.Equal(4, verdict?.Line);
    }

    [Fact]
    public void No_answer_with_nothing_printed_may_be_the_parser()
    {
        var verdict = Judge(RunRecord.Unfinished(RunEnd.NoAnswer, "no answer within 5 s", TimeSpan.Zero));
        Assert.Equal(FindingKind.Hang, verdict?.Kind);
        Assert.Contains("nothing printed", verdict?.Summary);
    }

    [Fact]
    public void A_dead_worker_or_runaway_memory_is_reported_as_such()
    {
        Assert.Equal(FindingKind.InternalError, Judge(RunRecord.Unfinished(RunEnd.Died, "exit status 134: Stack overflow", TimeSpan.Zero))?.Kind);
        Assert.Equal(FindingKind.RunawayMemory, Judge(RunRecord.Unfinished(RunEnd.OutOfMemory, "grew by 2000 MiB", TimeSpan.Zero))?.Kind);
    }

    [Fact]
    public void An_exit_status_outside_the_contract_or_an_error_without_a_message_is_internal()
    {
        Assert.Equal(FindingKind.InternalError, Judge(Finished(7, "end -> ok\n"))?.Kind);
        Assert.Equal(FindingKind.InternalError, Judge(Finished(2, "end -> ok\n"), ScenarioOrigin.Mutated)?.Kind);
        Assert.Equal(FindingKind.InternalError, Judge(Finished(2, "", "x\n   at Pluggable.Core.Thing()\n"), ScenarioOrigin.Mutated)?.Kind);
    }

    [Fact]
    public void A_generated_scenario_may_only_fail_on_names_whose_creation_failed()
    {
        Assert.Null(Judge(Finished(2, "end -> ok\n", "scenario:5: error: unknown label 'a'\n")));
        Assert.Equal(FindingKind.InvalidScenario, Judge(Finished(2, "", "scenario:2:6: error: expected a label, found '1'\n"))?.Kind);
        Assert.Null(Judge(Finished(2, "", "scenario:2:6: error: expected a label, found '1'\n"), ScenarioOrigin.Mutated));
    }
}
