using Pluggable.Core.Emulator;
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
}
