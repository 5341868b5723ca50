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

    public static ArchConfiguration Configuration(string id) =>
        PluginMatrix.Configurations.Single(c => c.Id == id);

    public static string ScenarioPath(string name) => Path.Combine(RepositoryPaths.Corpus, name + ".scenario");
}
