namespace Pluggable.Cli.Tests;

/// <summary>The command line as a stranger uses it: every mistake gets one clear line and exit 2.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData("run", "--bogus", "FILE")]
    [InlineData("run", "FILE", "--bogus")]
    [InlineData("diff", "--bogus", "FILE")]
    [InlineData("inspect", "--bogus")]
    public void AnUnknownOption_IsNotTakenForAFile(params string[] words)
    {
        using var dir = new TempDir();
        var file = dir.File("a.scenario", "mmap a anon 1p\n");
        var run = CliRun.Of(words.Select(w => w == "FILE" ? file : w).ToArray());

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Equal($"pluggable: unknown option '--bogus' for 'pluggable {words[0]}'\nTry 'pluggable --help'.\n", run.Err);
    }

    [Fact]
    public void AMistypedOption_GetsADidYouMean()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--arhc", "arm64");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: unknown option '--arhc' for 'pluggable run' (did you mean '--arch'?)\n", run.Err);
    }

    [Theory]
    [InlineData("rnu", "run")]
    [InlineData("dif", "diff")]
    [InlineData("arch", "archs")]
    [InlineData("inspec", "inspect")]
    [InlineData("fuzzz", "fuzz")]
    public void AMistypedCommand_GetsADidYouMean(string typed, string meant)
    {
        var run = CliRun.Of(typed, "x.scenario");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"pluggable: unknown command '{typed}' (did you mean '{meant}'?); the commands are run, diff, inspect, archs, features, new-plugin, fuzz\nTry 'pluggable --help'.\n", run.Err);
    }

    [Fact]
    public void AnExtraArgument_IsNamed()
    {
        var run = CliRun.Of("archs", "x86_64");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: unexpected argument 'x86_64' for 'pluggable archs'\n", run.Err);
    }

    [Theory]
    [InlineData("EMULATOR")]
    [InlineData("Emulator")]
    public void Backend_IgnoresCase_AsArchDoes(string backend)
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--backend", backend, "--arch", "X86_64");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("mmap a anon 1p -> ok\nend -> ok\n", run.Out);
    }

    [Fact]
    public void AnUnknownBackend_GetsADidYouMean()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--backend", "hots");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("pluggable: unknown backend 'hots' (did you mean 'host'?); expected emulator or host or vm:NAME\n", run.Err);
    }

    [Fact]
    public void AnOptionGivenTwice_IsAUsageError()
    {
        using var dir = new TempDir();
        var run = CliRun.Of("run", dir.File("a.scenario", "mmap a anon 1p\n"), "--arch", "x86_64", "--arch", "arm64");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.StartsWith("pluggable: ", run.Err);
        Assert.Contains("--arch", run.Err);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void ACombinationThePluginRefuses_IsNamedWithoutDotNetsParameterNote()
    {
        var run = CliRun.Of("--arch", "arm64:granule=64k,va=39");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("pluggable: architecture arm64 refuses the options granule=64k,va=39,epan=on: arm64 va=39 needs granule=4k (Kconfig ARM64_VA_BITS_39 depends on 4K pages)\n", run.Err);
    }

    [Fact]
    public void TheClisOwnPluginsFolderAgain_IsNoConflict()
    {
        var run = CliRun.Of("archs", "--plugin-dir", Path.Combine(AppContext.BaseDirectory, "plugins"));
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain("failed to load", run.Out);
        Assert.DoesNotContain("conflict", run.Out);
    }

    [Fact]
    public void AProjectFolder_AsPluginDir_PointsAtItsBuildOutput()
    {
        using var dir = new TempDir();
        var project = Path.Combine(dir.Path, "Sparc");
        var output = Path.Combine(project, "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(project, "Pluggable.Arch.Sparc.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(output, "Pluggable.Arch.Sparc.dll"), "");
        File.WriteAllText(Path.Combine(output, "Pluggable.Arch.Sparc.deps.json"), "{}");

        var run = CliRun.Of("archs", "--plugin-dir", project);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"  Sparc ({project}): this is the project folder of Pluggable.Arch.Sparc, not a plugin: pass its build output, --plugin-dir {output}\n", run.Out);
    }

    [Fact]
    public void Files_ThatAreNotScenarios_GetOneLineEach()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.scenario", "");
        var comments = dir.File("comments.scenario", "# nothing to run\n");
        var binary = Path.Combine(dir.Path, "binary.scenario");
        File.WriteAllBytes(binary, [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0xff, 0xfe]);
        var latin1 = Path.Combine(dir.Path, "latin1.scenario");
        File.WriteAllBytes(latin1, [.. "mmap a anon 1p # caf"u8, 0xe9, (byte)'\n']);

        var run = CliRun.Of("run", empty, comments, binary, latin1);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            $"{empty}: error: expected at least one command, found an empty file\n"
            + $"{comments}: error: expected at least one command, found only blank lines and comments\n"
            + $"{binary}:1:11: error: expected UTF-8 text, found byte 0xFF (is this a binary file?)\n"
            + $"{latin1}:1:21: error: expected UTF-8 text, found byte 0xE9 (is this a binary file?)\n"
            + "pluggable: 4 files: 4 errors\n"
            + $"  error    {empty}: expected at least one command, found an empty file\n"
            + $"  error    {comments}: expected at least one command, found only blank lines and comments\n"
            + $"  error    {binary}: line 1: expected UTF-8 text, found byte 0xFF (is this a binary file?)\n"
            + $"  error    {latin1}: line 1: expected UTF-8 text, found byte 0xE9 (is this a binary file?)\n",
            run.Err);
    }

    [Fact]
    public void ATextBinaryFile_GetsOneLine_NotOnePerLine()
    {
        using var dir = new TempDir();
        var file = dir.File("nul.scenario", string.Concat(Enumerable.Repeat("m\0m\0a\0p\0\n", 500)));
        var run = CliRun.Of("run", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{file}:1:2: error: expected text, found control character U+0000 (is this a binary file?)\n", run.Err);
    }

    [Fact]
    public void ManyBadLines_StopTheParseAtTheTwentieth()
    {
        using var dir = new TempDir();
        var file = dir.File("bad.scenario", string.Concat(Enumerable.Repeat("frobnicate\n", 1000)));
        var run = CliRun.Of("run", file);
        Assert.Equal(2, run.ExitCode);
        var lines = run.Err.TrimEnd('\n').Split('\n');
        Assert.Equal(21, lines.Length);
        Assert.Equal($"{file}: stopped after 20 errors; the rest of the file was not read", lines[^1]);
    }

    [Theory]
    [InlineData("mmap a anon 99999999999999999999p", "1:13: error: expected a size, found '99999999999999999999p'")]
    [InlineData("mmap a anon 0xfffffffffffffffffg", "1:13: error: expected a size, found '0xfffffffffffffffffg'")]
    [InlineData("mmap a anon -1", "1:13: error: expected a size, found '-1'")]
    [InlineData("gup a 1e9", "1:7: error: expected a number, found '1e9'")]
    [InlineData("mmap a anon 1p shared shared", "1:23: error: expected 'shared' once, found 'shared'")]
    [InlineData("mmap a anon 1p", null)]
    public void BadNumbers_AreParseErrorsWithFileLineAndColumn(string line, string? error)
    {
        using var dir = new TempDir();
        var file = dir.File("n.scenario", line + "\n");
        var run = CliRun.Of("run", file);
        if (error is null)
        {
            Assert.Equal(0, run.ExitCode);
            return;
        }
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{file}:{error}\n", run.Err);
    }

    [Fact]
    public void AHugeSizeAtRunTime_IsAScriptErrorNotACrash()
    {
        using var dir = new TempDir();
        var file = dir.File("big.scenario", "mmap a anon 1p\ntouch a+0xffffffffffffffff+1 read\nmmap b anon 0xffffffffffffffffp\n");
        var run = CliRun.Of("run", file);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            "mmap a anon 1p -> ok\ntouch a+0xffffffffffffffff+1 read -> error: address 'a+0xffffffffffffffff+1' is too large\n"
            + "mmap b anon 0xffffffffffffffffp -> error: size '0xffffffffffffffffp' is too large\nend -> error\n",
            run.Out);
        run.AssertNoStackTrace();
    }

    [Fact]
    public void The_consistency_checker_is_asked_of_the_emulator_only()
    {
        using var dir = new TempDir();
        string scenario = dir.File("a.scenario", "mmap a anon 1p => ok\ntouch a write => ok\n");

        var checkedRun = CliRun.Of("run", "--debug-vm", scenario);
        Assert.True(checkedRun.ExitCode == 0, checkedRun.Err);

        var host = CliRun.Of("run", "--debug-vm", "--backend", "host", scenario);
        Assert.Equal(2, host.ExitCode);
        Assert.Contains("--debug-vm checks the emulator's tables and counts", host.Err);
    }
}
