using Pluggable.Core.Kernel;

namespace Pluggable.Conformance.Tests;

/// <summary>The theory data: every corpus scenario against every plugin configuration.</summary>
public static class ScenarioCases
{
    public static IEnumerable<object[]> All()
    {
        var scenarios = Directory.GetFiles(RepositoryPaths.Corpus, "*.scenario").Order(StringComparer.Ordinal).ToArray();
        foreach (var config in PluginMatrix.Configurations)
        {
            foreach (var file in scenarios)
                yield return [Path.GetFileNameWithoutExtension(file), config.Id];
        }
    }

    /// <summary>
    /// Every corpus scenario on each older release the emulator models (<c>--kernel</c>), on the
    /// first configuration of each plugin: the expectations name how those releases answer.
    /// </summary>
    public static IEnumerable<object[]> OlderReleases()
    {
        var scenarios = Directory.GetFiles(RepositoryPaths.Corpus, "*.scenario").Order(StringComparer.Ordinal).ToArray();
        var firsts = PluginMatrix.Configurations.GroupBy(c => c.Plugin.Name).Select(g => g.First());
        foreach (var config in firsts)
        {
            foreach (var release in LinuxVersion.Modelled.Where(r => r != LinuxVersion.Default))
            {
                foreach (var file in scenarios)
                    yield return [Path.GetFileNameWithoutExtension(file), config.Id, release.ToString()];
            }
        }
    }

    public static ArchConfiguration Configuration(string id) =>
        PluginMatrix.Configurations.Single(c => c.Id == id);

    public static string ScenarioPath(string name) => Path.Combine(RepositoryPaths.Corpus, name + ".scenario");
}
