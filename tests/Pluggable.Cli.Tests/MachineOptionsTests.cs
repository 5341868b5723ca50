namespace Pluggable.Cli.Tests;

/// <summary><c>--memory</c> and <c>--time-limit</c>: what they accept, what they say otherwise, and their effect.</summary>
public class MachineOptionsTests
{
    [Theory]
    [InlineData("run")]
    [InlineData("inspect")]
    public void A_bad_memory_size_names_the_option_and_the_form(string command)
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "mmap a anon 1p\n");
        foreach (var bad in new[] { "1x", "lots", "0x", "99999999999999999999g", "-1g" })
        {
            var run = CliRun.Of(command, file, "--memory", bad);
            Assert.Equal(2, run.ExitCode);
            Assert.Equal("", run.Out);
            Assert.StartsWith($"pluggable: --memory: expected a size such as 512m, 4g or 1073741824 (bytes, or units k, m, g, t), got '{bad}'", run.Err);
            run.AssertNoStackTrace();
        }
        var tiny = CliRun.Of(command, file, "--memory", "1m");
        Assert.Equal(2, tiny.ExitCode);
        Assert.StartsWith("pluggable: --memory: the machine needs at least 32m, got '1m'", tiny.Err);
    }

    [Fact]
    public void A_bad_time_limit_names_the_option_and_the_form()
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "mmap a anon 1p\n");
        foreach (var bad in new[] { "0", "-3", "soon", "1e9" })
        {
            var run = CliRun.Of("run", file, "--time-limit", bad);
            Assert.Equal(2, run.ExitCode);
            Assert.StartsWith($"pluggable: --time-limit: expected a number of seconds greater than 0 and at most a day, such as 20 or 0.5, got '{bad}'", run.Err);
            run.AssertNoStackTrace();
        }
    }

    [Fact]
    public void A_small_machine_refuses_what_it_cannot_hold_and_kills_a_process_that_fills_it()
    {
        using var dir = new TempDir();
        var file = dir.File("oom.scenario", "mmap a anon 64m\nmmap b anon 32m\nfill b 32m 0x11\ntouch b read\n");

        var run = CliRun.Of("run", file, "--memory", "32m");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
        var lines = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("mmap a anon 64m -> ENOMEM", lines[0]);
        Assert.Equal("mmap b anon 32m -> ok", lines[1]);
        Assert.Equal("fill b 32m 0x11 -> SIGKILL", lines[2]);
        Assert.StartsWith("  | Out of memory: Killed process main (badness ", lines[3]);
        Assert.Equal("touch b read -> ESRCH", lines[4]);
        Assert.Equal("end -> ok", lines[5]);
    }

    [Fact]
    public void A_run_past_its_time_limit_stops_and_the_next_file_runs()
    {
        using var dir = new TempDir();
        var slow = dir.File("slow.scenario", "mmap a anon 1024g prot=r populate\n");
        var quick = dir.File("quick.scenario", "mmap a anon 1p\n");

        var run = CliRun.Of("run", slow, quick, "--time-limit", "0.5");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal($"== {slow} ==\nend -> timeout\n\n== {quick} ==\nmmap a anon 1p -> ok\nend -> ok\n", run.Out);
    }
}
