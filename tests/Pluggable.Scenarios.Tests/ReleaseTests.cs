using Pluggable.Core;
using Pluggable.Core.Kernel;
using Pluggable.Core.Scenarios;

namespace Pluggable.Scenarios.Tests;

/// <summary>How a file says what differs between Linux releases: <c>needs linux&gt;=V</c>, <c>|| linux&lt;=V: TEXT</c>, and ioctl lists.</summary>
public class ReleaseTests
{
    private static readonly BackendFacts Linux612 = FakeBackend.X86 with { Kernel = LinuxVersion.V6_12 };
    private static readonly BackendFacts Linux61 = FakeBackend.X86 with { Kernel = LinuxVersion.V6_1 };

    [Fact]
    public void A_release_the_file_does_not_run_on_skips_it_and_says_which()
    {
        var backend = new FakeBackend(Linux612);
        var run = Run.Text("needs linux>=6.17 => ok\nuffd u\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal(["needs linux>=6.17 -> skipped", "end -> skipped"], run.Lines);
        Assert.Empty(backend.Calls);
        var needs = new NeedsCommand([], [], [new KernelCondition(">=", new LinuxVersion(6, 17))]);
        Assert.Equal("needs linux>=6.17, and this is Linux 6.12", ScenarioInterpreter.Unmet(needs, Linux612));
    }

    [Fact]
    public void A_backend_that_does_not_know_its_release_runs_the_file()
    {
        var run = Run.Text("needs linux<6.17 => ok\nuffd u\n", new FakeBackend());
        Assert.Equal(["needs linux<6.17 -> ok", "uffd u -> ok", "end -> ok"], run.Lines);
    }

    [Theory]
    [InlineData("6.18", "EINVAL")]
    [InlineData("6.12", "ok")]
    [InlineData("6.1", "ENOENT")]
    public void The_first_alternative_whose_release_matches_is_expected(string release, string expected)
    {
        var facts = FakeBackend.X86 with { Kernel = LinuxVersion.ParseModelled(release, out _) };
        Assert.Equal(expected, ExpectationText.ForArchitecture("EINVAL || linux<6.6: ENOENT || x86_64:linux<=6.12: ok", facts));
    }

    [Fact]
    public void A_release_condition_goes_with_an_architecture_and_its_options()
    {
        var arm = FakeBackend.Arm64K64 with { Kernel = LinuxVersion.V6_1 };
        Assert.True(ScenarioInterpreter.ArchMatches("arm64:granule=64k,linux<6.10", arm));
        Assert.False(ScenarioInterpreter.ArchMatches("arm64:granule=64k,linux>=6.10", arm));
        Assert.False(ScenarioInterpreter.ArchMatches("x86_64:linux<6.10", arm));
        Assert.False(ScenarioInterpreter.ArchMatches("linux<6.10", FakeBackend.Arm64K64));
    }

    [Theory]
    [InlineData("6.18", "ioctls=wake,copy,zeropage,move,poison", true)]
    [InlineData("6.12", "ioctls=wake,copy,zeropage,move,poison", true)]
    [InlineData("6.1", "ioctls=wake,copy,zeropage", true)]
    [InlineData("6.1", "ioctls=wake,copy,zeropage,poison", false)]
    [InlineData("6.12", "ioctls=wake,copy,zeropage", false)]
    public void An_ioctl_list_expects_only_the_ioctls_the_release_has(string release, string actual, bool holds)
    {
        var facts = FakeBackend.X86 with { Kernel = LinuxVersion.ParseModelled(release, out _) };
        Assert.Equal(holds, ExpectationText.Holds("ok ioctls=wake,copy,zeropage,move,poison", "ok " + actual, facts));
    }

    [Fact]
    public void Alternatives_answer_the_release_they_name()
    {
        var backend = new FakeBackend(Linux61).On("Unregister", CommandResult.Ok());
        var run = Run.Text("uffd u\nmmap a anon 1p\nunregister u a 1p => EINVAL || linux<=6.12: ok\n", backend);
        Assert.Equal(0, run.Exit);
        Assert.Equal("unregister u a 1p -> ok", run.Lines[2]);
    }

    [Theory]
    [InlineData("needs linux>=6\n", "expected an option")]
    [InlineData("needs linux~6.12\n", "expected an option")]
    public void A_malformed_release_condition_is_a_parse_error(string text, string error)
    {
        var run = Run.Text(text, new FakeBackend());
        Assert.Equal(2, run.Exit);
        Assert.Contains(error, run.Stderr);
    }

    [Fact]
    public void Only_the_modelled_releases_are_accepted_by_name()
    {
        Assert.Equal(LinuxVersion.V6_12, LinuxVersion.ParseModelled("6.12", out _));
        Assert.Null(LinuxVersion.ParseModelled("6.13", out var error));
        Assert.Equal("expected one of 6.1, 6.12, 6.18, got '6.13'", error);
        Assert.Null(LinuxVersion.ParseModelled("6.12.3", out _));
        Assert.True(LinuxVersion.TryParse("6.12.118+deb12-arm64", out var uname));
        Assert.Equal(LinuxVersion.V6_12, uname);
    }
}
