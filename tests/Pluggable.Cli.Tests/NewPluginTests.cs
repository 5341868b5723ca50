using System.Diagnostics;

namespace Pluggable.Cli.Tests;

/// <summary>
/// <c>pluggable new-plugin</c>: the project it writes builds on its own outside the repository
/// (a plain <c>dotnet build</c> in a temporary folder), and the plugin it builds loads under the
/// new name and runs a scenario.
/// </summary>
public class NewPluginTests
{
    [Fact]
    public void A_new_plugin_builds_outside_the_repository_and_loads_under_its_name()
    {
        using var dir = new TempDir();
        string folder = Path.Combine(dir.Path, "s390x");

        var made = CliRun.Of("new-plugin", "s390x", "--out", folder);

        Assert.True(made.ExitCode == 0, made.Err);
        Assert.True(File.Exists(Path.Combine(folder, "Pluggable.Arch.S390x.csproj")));
        Assert.True(File.Exists(Path.Combine(folder, "S390xEntryCodec.cs")));
        Assert.DoesNotContain("RiscV", string.Concat(Directory.GetFiles(folder, "*.cs").Select(File.ReadAllText)));
        string output = Path.Combine(dir.Path, "out");
        var build = Process.Start(new ProcessStartInfo("dotnet", ["build", folder, "-nologo", "-v:q", "-o", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        string log = build.StandardOutput.ReadToEnd() + build.StandardError.ReadToEnd();
        build.WaitForExit();
        Assert.True(build.ExitCode == 0, log);
        Assert.False(File.Exists(Path.Combine(output, "Pluggable.Core.dll")), "the contract assembly was copied into the plugin");

        string scenario = dir.File("fault.scenario", "mmap a anon 4p => ok\ntouch a+1p write => ok\npagemap a 2p => -, present+exclusive\n");
        var run = CliRun.Of("run", "--plugin-dir", output, "--arch", "s390x:mode=sv39", scenario);
        Assert.True(run.ExitCode == 0, run.Err + run.Out);
    }

    [Theory]
    [InlineData("9lives", "'9lives' cannot name an architecture")]
    [InlineData("Riscv", "'Riscv' cannot name an architecture")]
    public void A_name_that_cannot_be_an_architecture_is_refused(string name, string message)
    {
        using var dir = new TempDir();
        var run = CliRun.Of("new-plugin", name, "--out", Path.Combine(dir.Path, "p"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Err);
        run.AssertNoStackTrace();
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "p")));
    }

    [Fact]
    public void A_folder_in_use_is_left_alone()
    {
        using var dir = new TempDir();
        string kept = dir.File("keep.txt", "mine");

        var run = CliRun.Of("new-plugin", "toy", "--out", dir.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("already exists and is not an empty folder", run.Err);
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(kept));
    }
}
