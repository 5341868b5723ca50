namespace Pluggable.Cli.Tests;

/// <summary>
/// <c>pluggable</c> end to end, in-process, with the in-tree plugins deployed beside the tests by
/// build/DeployPlugins.targets as they are beside the CLI.
/// </summary>
public class CliTests
{
    [Fact]
    public void Archs_ListsX86_64_WithBothPagingModes()
    {
        var run = CliRun.Of("archs");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("x86_64 ", run.Out.Split('\n').First(l => l.StartsWith("x86_64", StringComparison.Ordinal)));
        Assert.Contains("--arch x86_64:levels=4", run.Out);
        Assert.Contains("--arch x86_64:levels=5", run.Out);
        Assert.Contains("geometry:", run.Out);
        Assert.Contains("huge pages:", run.Out);
        Assert.Contains("capabilities:", run.Out);
        Assert.Contains("zero pages:", run.Out);
        Assert.DoesNotContain("failed to load", run.Out);
    }

    [Fact]
    public void Archs_ReportsABrokenPluginByName_AndStillListsTheOthers()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "Garbage"));
        File.WriteAllText(Path.Combine(dir.Path, "Garbage", "Garbage.dll"), "not an assembly");

        var run = CliRun.Of("archs", "--plugin-dir", dir.Path);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--arch x86_64:levels=4", run.Out);
        Assert.Contains("Plugins that failed to load:", run.Out);
        Assert.Contains("  Garbage (", run.Out);
        Assert.Contains("Garbage.dll is not a .NET assembly", run.Out);
    }

    [Fact]
    public void Run_UnknownArch_ListsTheAvailableOnes()
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "mmap a anon 1p\n");

        var run = CliRun.Of("run", file, "--arch", "sparc64");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.StartsWith("pluggable: unknown architecture 'sparc64'; available: ", run.Err);
        Assert.Contains("x86_64", run.Err);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void Run_BadOptionValue_NamesTheOptionAndTheAllowedValues()
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "mmap a anon 1p\n");

        var run = CliRun.Of("run", file, "--arch", "x86_64:levels=6");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("pluggable: bad value '6' for option 'levels' of x86_64; allowed: 4, 5\n", run.Err);
    }

    [Fact]
    public void Run_MalformedArch_IsAUsageError()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", ""), "--arch", "x86_64:levels");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: bad architecture 'x86_64:levels'", run.Err);
    }

    [Fact]
    public void Run_TypoInACommand_Exits2_WithFileLineColumn_SuggestingCopy()
    {
        using var dir = new TempDir();
        var file = dir.File("typo.scenario", "uffd u\nmmap a anon 16p\ncpoy u a a 1p\n");

        var run = CliRun.Of("run", file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains($"{file}:3:1: error:", run.Err);
        Assert.Contains("'cpoy'", run.Err);
        Assert.Contains("'copy'", run.Err);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void Run_SeveralFiles_HeadsEach_AndExitsWithTheWorstCode()
    {
        using var dir = new TempDir();
        var good = dir.File("good.scenario", "mmap a anon 1p => ok\n");
        var bad = dir.File("bad.scenario", "mmap a anon 1p => EINVAL\n");

        var run = CliRun.Of("run", good, bad, "--arch", "x86-64:levels=5");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"== {good} ==\nmmap a anon 1p -> ok\nend -> ok\n\n== {bad} ==\nmmap a anon 1p -> ok\n", run.Out);
        Assert.Contains("expected 'EINVAL', got 'ok'", run.Err);
    }

    [Fact]
    public void Run_OneFile_PrintsTheTranscriptAlone()
    {
        using var dir = new TempDir();
        var file = dir.File("one.scenario", "mmap a anon 1p => ok\n");

        var run = CliRun.Of("run", file);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("mmap a anon 1p -> ok\nend -> ok\n", run.Out);
        Assert.Equal("", run.Err);
    }

    [Fact]
    public void Inspect_TracesEveryHook_DumpsEachMapping_AndKeepsLineNumbers()
    {
        using var dir = new TempDir();
        var file = dir.File("one.scenario", "# a write fault\nmmap a anon 2p => ok\ntouch a write => ok 0x02\n");

        var run = CliRun.Of("inspect", file);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("trace on -> ok\nmmap a anon 2p -> ok\ntouch a write -> ok\n  | pgtable_alloc ", run.Out);
        Assert.Contains("  | set_pte_at pte a 0x", run.Out);
        Assert.Contains("dump a 2p -> ok\n  | pgd[0] a 0x", run.Out);
        Assert.Contains("  | pte[1] a+1p none\n", run.Out);
        Assert.Equal($"{file}:3: expected 'ok 0x02', got 'ok'\n", run.Err);
    }

    [Fact]
    public void Run_MissingFile_Exits2_BeforeRunningAnything()
    {
        using var dir = new TempDir();
        var good = dir.File("good.scenario", "mmap a anon 1p\n");
        var missing = Path.Combine(dir.Path, "missing.scenario");

        var run = CliRun.Of("run", good, missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal($"pluggable: {missing}: no such file\n", run.Err);
    }

    [Fact]
    public void Run_WithoutFiles_IsAUsageError()
    {
        var run = CliRun.Of("run");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: ", run.Err);
        Assert.Contains("Try 'pluggable --help'.", run.Err);
    }

    [Fact]
    public void UnknownCommandOrOption_IsAUsageError()
    {
        var run = CliRun.Of("frobnicate", "--fast");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.All(run.Err.TrimEnd('\n').Split('\n'), l => Assert.StartsWith(l.StartsWith("Try", StringComparison.Ordinal) ? "Try" : "pluggable: ", l));
    }

    [Fact]
    public void MissingPluginDir_IsAUsageError()
    {
        var run = CliRun.Of("archs", "--plugin-dir", "/nonexistent/pluggable");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("pluggable: plugin directory '/nonexistent/pluggable' does not exist\n", run.Err);
    }

    [Fact]
    public void Help_NamesTheCommands()
    {
        var run = CliRun.Of("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("run", run.Out);
        Assert.Contains("archs", run.Out);
        Assert.Contains("--arch", run.Out);
    }

    [Fact]
    public void NoArguments_RunsTheDemoCleanly_OnX86_64()
    {
        var run = CliRun.Of();

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Err);
        Assert.StartsWith("# Pluggable demo on x86_64", run.Out);
        Assert.Contains("copy u guest+3p incoming 1p -> 4096\n", run.Out);
        Assert.Contains("  t1 -> ok 0x5a\n", run.Out);
        Assert.Contains("\n  | ", run.Out);
        Assert.EndsWith("end -> ok\n", run.Out);
    }
}
