using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>The samples are stories told with real numbers; each runs clean on every configuration of the matrix.</summary>
public class SampleTests
{
    public static IEnumerable<object[]> Samples() =>
        from file in Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "samples"), "*.scenario").Order(StringComparer.Ordinal)
        from config in PluginMatrix.Configurations
        select new object[] { Path.GetFileName(file), config.Id };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_runs_clean(string sample, string configuration)
    {
        var config = ScenarioCases.Configuration(configuration);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunFile(Path.Combine(RepositoryPaths.Root, "samples", sample),
            () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, PluginMatrix.Checked), stdout, stderr);
        Assert.True(exit == 0, $"exit {exit}\n{stderr}\n{stdout}");
        Assert.Contains("end -> ok", stdout.ToString());
    }
}
