namespace Pluggable.Scenarios.Tests;

/// <summary>Two backends compared: skipping agreed on, failures shown, expectations out of it.</summary>
public class ComparisonTests
{
    private static Script Parse(string text) => ScenarioParser.Parse("t.scenario", text).Script!;

    [Fact]
    public void A_script_for_another_architecture_is_skipped_on_both_sides()
    {
        var right = new FakeBackend();
        var result = ScenarioComparison.Compare(Parse("arch x86_64\nuffd u\n"), () => new FakeBackend(FakeBackend.Arm64K64), () => right, TextWriter.Null);
        Assert.Equal("arch x86_64, and this is arm64", result.SkipReason);
        Assert.Empty(result.Differences);
        Assert.Empty(right.Calls);

        result = ScenarioComparison.Compare(Parse("arch arm64\nuffd u\n"), () => new FakeBackend(FakeBackend.Arm64K64), () => new FakeBackend(), TextWriter.Null);
        Assert.Equal("arch arm64, and this is x86_64", result.SkipReason);
        Assert.Empty(result.Differences);
    }

    [Fact]
    public void A_failing_side_comes_with_what_it_said()
    {
        var left = new FakeBackend().On("Touch", _ => throw new InvalidOperationException("VM_BUG_ON(refcount)"));
        var result = ScenarioComparison.Compare(Parse("mmap a anon 1p\ntouch a read\nuffd u\n"), () => left, () => new FakeBackend(), TextWriter.Null);
        Assert.Equal(ScenarioStatus.Error, result.LeftOutcome.Status);
        Assert.Equal("t.scenario:2: error: the fake backend failed: VM_BUG_ON(refcount) (InvalidOperationException)\n", result.LeftErrors);
        Assert.Equal("", result.RightErrors);
        Assert.Contains(new TranscriptDifference(2, "end -> error", "touch a read -> ok"), result.Differences);
    }

    [Fact]
    public void Expectations_are_not_part_of_a_comparison()
    {
        var result = ScenarioComparison.Compare(Parse("uffd u => EPERM\n"), () => new FakeBackend(), () => new FakeBackend(), TextWriter.Null);
        Assert.Empty(result.Differences);
        Assert.Equal(ScenarioOutcome.Passed, result.LeftOutcome);
        Assert.Equal("", result.LeftErrors);
    }
}
