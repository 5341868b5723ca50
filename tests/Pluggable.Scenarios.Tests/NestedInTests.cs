namespace Pluggable.Scenarios.Tests;

/// <summary>
/// <c>in c in d COMMAND</c>: each <c>in</c> names the process before it or one of its descendants
/// (at the top of a line, any process), so <c>in c in d</c> runs in d, a process of c's.
/// </summary>
public class NestedInTests
{
    private const ulong A = FakeBackend.FirstMapping;

    private const string Family = """
        mmap a anon 1p
        fork c
        in c fork d
        fork e
        """;

    [Fact]
    public void In_c_in_d_runs_in_d_when_d_descends_from_c()
    {
        var backend = new FakeBackend();
        var run = Run.Text(Family + "\nin c in d check a 1p 0x11\nin d check a 1p 0x22\nin c in c check a 1p 0x33\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(["in c in d check a 1p 0x11 -> ok", "in d check a 1p 0x22 -> ok", "in c in c check a 1p 0x33 -> ok", "end -> ok"], run.Lines[^4..]);
        Assert.Equal([$"Check(2, 0x{A:x}, 0x1000, 0x11)", $"Check(2, 0x{A:x}, 0x1000, 0x22)", $"Check(1, 0x{A:x}, 0x1000, 0x33)"], backend.Calls[^3..]);
    }

    [Theory]
    [InlineData("in e in d check a 1p 0x00")]
    [InlineData("in d in c check a 1p 0x00")]
    [InlineData("in c in x check a 1p 0x00")]
    [InlineData("in x in d check a 1p 0x00")]
    public void A_process_that_is_not_a_descendant_of_the_one_before_is_ESRCH(string line)
    {
        var backend = new FakeBackend();
        var run = Run.Text(Family + "\n" + line + "\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal($"{line} -> ESRCH", run.Lines[^2]);
        Assert.DoesNotContain(backend.Calls, c => c.StartsWith("Check", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fork_made_through_nested_in_is_a_child_of_the_innermost_process()
    {
        var backend = new FakeBackend();
        var run = Run.Text(Family + "\nin c in d fork g\nin d in g check a 1p 0x00\nin e in g check a 1p 0x00\n", backend);
        Assert.Equal(["in c in d fork g -> ok", "in d in g check a 1p 0x00 -> ok", "in e in g check a 1p 0x00 -> ESRCH", "end -> ok"], run.Lines[^4..]);
        Assert.Equal(["Fork(2)", $"Check(4, 0x{A:x}, 0x1000, 0x0)"], backend.Calls[^2..]);
    }

    [Fact]
    public void A_chain_of_any_length_parses_and_runs()
    {
        var backend = new FakeBackend();
        var chain = string.Concat(Enumerable.Repeat("in c ", 200_000)) + "check a 1p 0x00";
        var run = Run.Text("mmap a anon 1p\nfork c\n" + chain + "\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal($"Check(1, 0x{A:x}, 0x1000, 0x0)", backend.Calls[^1]);
    }
}
