namespace Pluggable.Scenarios.Tests;

/// <summary><c>pluggable inspect</c>'s additions: trace around the script, a dump of each mapping, nothing taken for the user's.</summary>
public class InstrumentationTests
{
    private static Script Parse(string text) => ScenarioParser.Parse("t.scenario", text).Script!;

    [Fact]
    public void Trace_wraps_the_script_and_each_first_process_mapping_is_dumped_once()
    {
        var script = ScenarioInstrumentation.TraceAndDump(Parse("mmap a anon 16p\nmemfd m shmem 4p\nmmap f file=m\nmmap g file=m 2p\nmmap a anon 16p\nfork c\nin c mmap x anon 1p\n"));
        Assert.Equal(
            ["trace on", "mmap a anon 16p", "memfd m shmem 4p", "mmap f file=m", "mmap g file=m 2p", "mmap a anon 16p", "fork c", "in c mmap x anon 1p",
             "trace off", "dump a 16p", "dump f 1p", "dump g 2p"],
            script.Statements.Select(s => s.Echo));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0], script.Statements.Select(s => s.Line));
        Assert.All(script.Statements.Where(s => s.Line == 0), s => Assert.True(s.Added));
    }

    [Fact]
    public void The_scripts_lines_keep_their_numbers_and_a_failed_mapping_is_not_dumped()
    {
        var backend = new FakeBackend().On("Mmap", CommandResult.Ok()).On("Mmap", CommandResult.Error(Errno.ENOMEM));
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.Run(ScenarioInstrumentation.TraceAndDump(Parse("mmap a anon 1p\nmmap q anon 1g => ok\n")), () => backend, stdout, stderr);
        Assert.Equal(1, exit);
        Assert.Equal("trace on -> ok\nmmap a anon 1p -> ok\nmmap q anon 1g -> ENOMEM\ntrace off -> ok\ndump a 1p -> ok\nend -> failed\n", stdout.ToString());
        Assert.Equal("t.scenario:2: expected 'ok', got 'ENOMEM'\n", stderr.ToString());
    }

    [Fact]
    public void A_failure_in_an_added_dump_names_the_dump_not_a_line()
    {
        var backend = new FakeBackend().On("Dump", _ => throw new InvalidOperationException("walk broke"));
        var stderr = new StringWriter { NewLine = "\n" };
        int exit = ScenarioRunner.Run(ScenarioInstrumentation.TraceAndDump(Parse("mmap a anon 1p\n")), () => backend, TextWriter.Null, stderr);
        Assert.Equal(2, exit);
        Assert.Equal("t.scenario (added 'dump a 1p'): error: the fake backend failed: walk broke (InvalidOperationException)\n", stderr.ToString());
    }
}
