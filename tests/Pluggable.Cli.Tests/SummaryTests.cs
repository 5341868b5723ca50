namespace Pluggable.Cli.Tests;

/// <summary>The end line and the closing summary of <c>run</c>, and <c>inspect</c>'s line numbers.</summary>
public class SummaryTests
{
    [Fact]
    public void FailedExpectations_EndFailed_NotOk()
    {
        using var dir = new TempDir();
        var file = dir.File("f.scenario", "mmap a anon 1p => EINVAL\n");
        var run = CliRun.Of("run", file);
        Assert.Equal(1, run.ExitCode);
        Assert.Equal("mmap a anon 1p -> ok\nend -> failed\n", run.Out);
        Assert.Equal($"{file}:1: expected 'EINVAL', got 'ok'\n", run.Err);
    }

    [Fact]
    public void SeveralFiles_EndWithASummaryOnStderr_WithReasons()
    {
        using var dir = new TempDir();
        var good = dir.File("good.scenario", "mmap a anon 1p => ok\n");
        var failed = dir.File("failed.scenario", "mmap a anon 1p => EINVAL\nmmap b anon 1p => ok\n");
        var error = dir.File("error.scenario", "touch x read\n");
        var skipped = dir.File("skipped.scenario", "arch arm64\nmmap a anon 1p\n");

        var run = CliRun.Of("run", good, failed, error, skipped);

        Assert.Equal(2, run.ExitCode);
        Assert.EndsWith("== " + skipped + " ==\narch arm64 -> skipped\nend -> skipped\n", run.Out);
        Assert.EndsWith(
            "pluggable: 4 files: 1 passed, 1 skipped, 1 failed, 1 error\n"
            + $"  failed   {failed}: 1 of 2 expectations failed\n"
            + $"  error    {error}: line 1: unknown label 'x'\n"
            + $"  skipped  {skipped}: arch arm64, and this is x86_64\n",
            run.Err);
    }

    [Fact]
    public void OneFile_HasNoSummary()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("one.scenario", "arch arm64\n"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public void Inspect_ReportsTheFilesOwnLineNumbers_AndDumpsOnlyMappingsThatExist()
    {
        using var dir = new TempDir();
        var file = dir.File("i.scenario", "mmap a anon 1p => EINVAL\nmmap q anon 0 => EINVAL\ntouch a read => ok 0x01\n");

        var run = CliRun.Of("inspect", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"{file}:1: expected 'EINVAL', got 'ok'\n{file}:3: expected 'ok 0x01', got 'ok 0x00'\n", run.Err);
        Assert.StartsWith("trace on -> ok\nmmap a anon 1p -> ok\n", run.Out);
        Assert.Contains("\ndump a 1p -> ok\n", run.Out);
        Assert.DoesNotContain("dump q", run.Out);
        Assert.EndsWith("end -> failed\n", run.Out);
    }
}
