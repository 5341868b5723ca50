using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Hosting;

namespace Pluggable.Conformance.Tests;

/// <summary>One plugin in one of its snapshot configurations.</summary>
public sealed record ArchConfiguration(LoadedPlugin Plugin, IReadOnlyDictionary<string, string> Options, Architecture Architecture)
{
    /// <summary>File-name friendly id: <c>x86_64.levels-5</c>.</summary>
    public string Id => Options.Count == 0
        ? Plugin.Name
        : Plugin.Name + "." + string.Join(".", Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}-{o.Value}"));

    public override string ToString() => Id;
}

/// <summary>
/// Every plugin deployed beside the tests (build/DeployPlugins.targets) in every configuration it
/// asks the snapshot matrix to run. A new plugin joins the matrix by being under plugins/.
/// </summary>
internal static class PluginMatrix
{
    private static readonly Lazy<(IReadOnlyList<ArchConfiguration> Configurations, IReadOnlyList<PluginFailure> Failures)> Loaded = new(Load);

    public static IReadOnlyList<ArchConfiguration> Configurations => Loaded.Value.Configurations;

    public static IReadOnlyList<PluginFailure> Failures => Loaded.Value.Failures;

    /// <summary>The machine every emulator in these tests runs on: the default one, with the consistency checker on.</summary>
    public static EmulatorOptions Checked { get; } = new() { DebugVm = true };

    private static (IReadOnlyList<ArchConfiguration>, IReadOnlyList<PluginFailure>) Load()
    {
        var catalog = PluginCatalog.Discover(new McMasterPluginLoader(), []);
        var configurations = new List<ArchConfiguration>();
        foreach (var loaded in catalog.Plugins)
        {
            foreach (var options in loaded.Plugin.SnapshotConfigurations)
                configurations.Add(new ArchConfiguration(loaded, options, loaded.Plugin.Create(options)));
        }
        return (configurations, catalog.Failures);
    }
}
