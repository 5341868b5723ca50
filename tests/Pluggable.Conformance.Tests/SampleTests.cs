using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Conformance.Tests;

/// <summary>The samples are stories told with real numbers; each runs clean on the architecture it was written for.</summary>
public class SampleTests
{
    public static IEnumerable<object[]> Samples() =>
        Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "samples"), "*.scenario")
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_runs_clean_on_x86_64(string sample)
    {
        var config = PluginMatrix.Configurations.First(c => c.Plugin.Name == "x86_64");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = ScenarioRunner.RunFile(Path.Combine(RepositoryPaths.Root, "samples", sample),
            () => new EmulatorBackend(config.Architecture, config.Plugin.Plugin.Aliases, PluginMatrix.Checked), stdout, stderr);
        Assert.True(exit == 0, $"exit {exit}\n{stderr}\n{stdout}");
        Assert.Contains("end -> ok", stdout.ToString());
    }
}
