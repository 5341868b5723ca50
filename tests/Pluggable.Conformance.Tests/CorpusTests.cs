using Pluggable.Core.Emulator;
using Pluggable.Core.Kernel;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>Every expectation of every corpus scenario holds on every plugin configuration.</summary>
public class CorpusTests
{
    [Fact]
    public void Every_deployed_plugin_loads()
    {
        Assert.Empty(PluginMatrix.Failures);
        Assert.NotEmpty(PluginMatrix.Configurations);
    }

    [Fact]
    public void The_corpus_is_not_empty() => Assert.True(ScenarioCases.All().Count() >= 15);

    [Theory]
    [MemberData(nameof(ScenarioCases.All), MemberType = typeof(ScenarioCases))]
    public void Expectations_hold(string scenario, string configuration)
    {
        var config = ScenarioCases.Configuration(configuration);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunFile(ScenarioCases.ScenarioPath(scenario),
            () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, PluginMatrix.Checked), stdout, stderr);
        Assert.True(exit == 0, $"exit {exit} on {configuration}\n{stderr}\n{stdout}");
        Assert.Equal("", stderr.ToString());
    }

    [Theory]
    [MemberData(nameof(ScenarioCases.OlderReleases), MemberType = typeof(ScenarioCases))]
    public void Expectations_hold_on_older_releases(string scenario, string configuration, string release)
    {
        var config = ScenarioCases.Configuration(configuration);
        var options = PluginMatrix.Checked with { Kernel = LinuxVersion.ParseModelled(release, out _)!.Value };
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunFile(ScenarioCases.ScenarioPath(scenario),
            () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, options), stdout, stderr);
        Assert.True(exit == 0, $"exit {exit} on {configuration} at Linux {release}\n{stderr}\n{stdout}");
    }
}
