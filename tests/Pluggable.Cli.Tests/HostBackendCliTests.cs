using Pluggable.HostKernel;

namespace Pluggable.Cli.Tests;

/// <summary>
/// <c>run --backend host</c> and <c>diff</c>. They need the host backend (Linux x86_64, root,
/// userfaultfd), as CI has; elsewhere they fail with the reason.
/// </summary>
public class HostBackendCliTests
{
    private const string Scenario = """
        uffd u                   => ok
        mmap a anon 16p          => ok
        mmap src anon 1p         => ok
        fill src 1p 0x5a         => ok
        register u a 16p missing => ok ioctls=wake,copy,zeropage,move,poison
        touch a+3p read          => blocked t1
        read u                   => pagefault a+3p
        copy u a+3p src 1p       => 4096
        dump a 1p
        """;

    [Fact]
    public void Run_OnTheHost_PrintsTheKernelsTranscript()
    {
        RequireHost();
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", Scenario), "--backend", "host");

        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Contains("copy u a+3p src 1p -> 4096\n  t1 -> ok 0x5a\n", run.Out);
        Assert.Contains("dump a 1p -> unsupported\n", run.Out);
        Assert.EndsWith("end -> ok\n", run.Out);
    }

    [Fact]
    public void Run_UnknownBackend_IsAUsageError()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--backend", "qemu");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("qemu", run.Err);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void Diff_AgreeingFile_ExitsZero()
    {
        RequireHost();
        using var dir = new TempDir();
        var run = CliRun.Of("diff", dir.File("a.scenario", Scenario));

        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.EndsWith("a.scenario: emulator and host agree\n", run.Out);
    }

    [Fact]
    public void Diff_ParseError_ExitsTwo()
    {
        RequireHost();
        using var dir = new TempDir();
        var run = CliRun.Of("diff", dir.File("bad.scenario", "mmap a anon\n"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("bad.scenario:1:", run.Err);
        run.AssertNoStackTrace();
    }

    private static void RequireHost()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it (CI has it): {reason}");
    }
}
