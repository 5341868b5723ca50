using Pluggable.Hosting;

namespace Pluggable.Cli.Tests;

/// <summary>The bundled demo holds its expectations on every configuration every plugin accepts.</summary>
public class DemoTests
{
    /// <summary>Each plugin's options in every combination of their values, as <c>--arch</c> specs; the ones a plugin refuses are left out.</summary>
    public static IEnumerable<object[]> Configurations()
    {
        using var loader = new McMasterPluginLoader();
        var catalog = PluginCatalog.Discover(loader, []);
        foreach (var loaded in catalog.Plugins)
        {
            IEnumerable<string> specs = [""];
            foreach (var option in loaded.Plugin.Options)
                specs = specs.SelectMany(s => option.Values.Select(v => $"{s}{(s.Length == 0 ? "" : ",")}{option.Name}={v}")).ToList();
            foreach (var options in specs)
            {
                var spec = options.Length == 0 ? loaded.Name : $"{loaded.Name}:{options}";
                bool refused = false;
                try
                {
                    catalog.Select(spec);
                }
                catch (HostingException e) when (e.Message.Contains(" refuses the options ", StringComparison.Ordinal))
                {
                    refused = true;
                }
                if (!refused)
                    yield return [spec];
            }
        }
    }

    [Fact]
    public void EveryPluginContributesAConfiguration() =>
        Assert.Contains(Configurations(), c => ((string)c[0]).StartsWith("arm64:", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheDemoHoldsItsExpectations(string spec)
    {
        var run = CliRun.Of("--arch", spec);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode} on {spec}\n{run.Err}");
        Assert.Equal("", run.Err);
        Assert.EndsWith("end -> ok\n", run.Out);
    }
}
