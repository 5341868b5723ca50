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

    [Fact]
    public void Run_BackendNameInAnyCase_RunsOnTheHost()
    {
        RequireHost();
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p => ok\nfork c => ok\nin c in c check a 1p 0x00 => ok\n"), "--backend", "HOST");

        Assert.True(run.ExitCode == 0, run.Err);
        Assert.Equal("mmap a anon 1p -> ok\nfork c -> ok\nin c in c check a 1p 0x00 -> ok\nend -> ok\n", run.Out);
    }

    [Fact]
    public void Diff_AFileForAnotherArchitecture_IsSkippedOnBothSides()
    {
        RequireHost();
        using var dir = new TempDir();
        var file = dir.File("x.scenario", "arch x86_64\nmmap a anon 1p\n");

        var run = CliRun.Of("diff", file, "--arch", "arm64");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"{file}: skipped on both sides: the emulator (arm64) does not run it (arch x86_64, and this is arm64)\n", run.Out);
    }

    [Fact]
    public void Diff_SeveralFiles_EndWithACount()
    {
        RequireHost();
        using var dir = new TempDir();
        var agree = dir.File("agree.scenario", "mmap a anon 1p\ntouch a read\n");
        var skipped = dir.File("skipped.scenario", "arch arm64\nmmap a anon 1p\n");

        var run = CliRun.Of("diff", agree, skipped);

        Assert.True(run.ExitCode == 0, run.Out + run.Err);
        Assert.EndsWith("pluggable: 2 files: 1 agree, 1 skipped\n", run.Out);
    }

    private static void RequireHost()
    {
        if (HostAvailability.WhyUnavailable() is { } reason)
            Assert.Fail($"the host backend cannot run on this machine, and this test needs it (CI has it): {reason}");
    }
}
