namespace Pluggable.Scenarios.Tests;

/// <summary>The end line never says ok when the run did not go well, and the outcome says why.</summary>
public class EndLineTests
{
    private static (ScenarioOutcome Outcome, string[] Lines, string Stderr) Execute(string text, FakeBackend backend, ScenarioRunOptions? options = null)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var outcome = ScenarioRunner.ExecuteText("t.scenario", text, () => backend, stdout, stderr, options);
        return (outcome, stdout.ToString().TrimEnd('\n').Split('\n'), stderr.ToString());
    }

    [Fact]
    public void Passed_runs_end_ok_or_blocked()
    {
        var (outcome, lines, _) = Execute("uffd u => ok\n", new FakeBackend());
        Assert.Equal(ScenarioOutcome.Passed, outcome);
        Assert.Equal("end -> ok", lines[^1]);

        (outcome, lines, _) = Execute("mmap a anon 1p\ntouch a read => blocked t1\n", new FakeBackend().On("Touch", CommandResult.Blocked(7)));
        Assert.Equal(ScenarioStatus.Passed, outcome.Status);
        Assert.Equal("end -> blocked t1", lines[^1]);
    }

    [Fact]
    public void A_failed_expectation_ends_failed_and_counts_the_expectations()
    {
        var (outcome, lines, _) = Execute("uffd u => ok\nmmap a anon 1p => EINVAL\ntouch a read => ok\n", new FakeBackend().On("Touch", CommandResult.Blocked(7)));
        Assert.Equal(new ScenarioOutcome(ScenarioStatus.Failed, "2 of 3 expectations failed"), outcome);
        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("end -> failed, blocked t1", lines[^1]);
    }

    [Fact]
    public void A_script_error_ends_error_with_its_first_line()
    {
        var (outcome, lines, _) = Execute("uffd u => EPERM\ntouch x read\ntouch y read\n", new FakeBackend());
        Assert.Equal(ScenarioOutcome.Error("line 2: unknown label 'x'"), outcome);
        Assert.Equal("end -> error", lines[^1]);
    }

    [Fact]
    public void A_backend_failure_ends_error_and_names_the_line()
    {
        var backend = new FakeBackend().On("Touch", _ => throw new InvalidOperationException("VM_BUG_ON(refcount)"));
        var (outcome, lines, _) = Execute("mmap a anon 1p\ntouch a read\n", backend);
        Assert.Equal(ScenarioOutcome.Error("line 2: the fake backend failed: VM_BUG_ON(refcount)"), outcome);
        Assert.Equal(["mmap a anon 1p -> ok", "end -> error"], lines);
    }

    [Fact]
    public void Expectations_can_be_left_unchecked()
    {
        var (outcome, lines, stderr) = Execute("uffd u => EPERM\n", new FakeBackend(), new ScenarioRunOptions { CheckExpectations = false });
        Assert.Equal(ScenarioOutcome.Passed, outcome);
        Assert.Equal(["uffd u -> ok", "end -> ok"], lines);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void A_skipped_run_says_which_architecture_it_is_for()
    {
        var (outcome, lines, _) = Execute("arch arm64\nuffd u\n", new FakeBackend());
        Assert.Equal(new ScenarioOutcome(ScenarioStatus.Skipped, "arch arm64, and this is x86_64"), outcome);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(["arch arm64 -> skipped", "end -> skipped"], lines);
    }

    [Fact]
    public void Parse_errors_are_the_outcome_of_a_file_that_does_not_parse()
    {
        var (outcome, _, _) = Execute("cpy u a b 1p\nreed u\n", new FakeBackend());
        Assert.Equal(ScenarioOutcome.Error("2 parse errors, the first line 1: expected a command, found 'cpy' (did you mean 'copy'?)"), outcome);
    }
}
