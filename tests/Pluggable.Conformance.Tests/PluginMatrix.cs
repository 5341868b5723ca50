using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Hosting;

namespace Pluggable.Conformance.Tests;

/// <summary>One plugin in one of its snapshot configurations.</summary>
/// <param name="SnapshotDirectory">Where its approved snapshots live: tests/snapshots, or an out-of-tree plugin's own folder.</param>
public sealed record ArchConfiguration(LoadedPlugin Plugin, IReadOnlyDictionary<string, string> Options, Architecture Architecture, string SnapshotDirectory)
{
    /// <summary>File-name friendly id: <c>x86_64.levels-5</c>.</summary>
    public string Id => Options.Count == 0
        ? Plugin.Name
        : Plugin.Name + "." + string.Join(".", Options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}-{o.Value}"));

    public override string ToString() => Id;
}

/// <summary>
/// Every plugin deployed beside the tests (build/DeployPlugins.targets) and the out-of-tree one
/// (<see cref="OutOfTreePlugin"/>), in every configuration each asks the snapshot matrix to run. A
/// new in-tree plugin joins the matrix by being under plugins/.
/// </summary>
internal static class PluginMatrix
{
    private static readonly Lazy<(IReadOnlyList<ArchConfiguration> Configurations, IReadOnlyList<PluginFailure> Failures)> Loaded = new(Load);

    public static IReadOnlyList<ArchConfiguration> Configurations => Loaded.Value.Configurations;

    public static IReadOnlyList<PluginFailure> Failures => Loaded.Value.Failures;

    /// <summary>The out-of-tree plugin, built and loaded; throws with why when it could not be.</summary>
    public static LoadedPlugin OutOfTree =>
        Configurations.FirstOrDefault(c => c.SnapshotDirectory == OutOfTreePlugin.SnapshotDirectory)?.Plugin
        ?? throw new InvalidOperationException($"the plugin in {OutOfTreePlugin.ProjectDirectory} did not load: {string.Join("; ", Failures)}");

    /// <summary>The machine every emulator in these tests runs on: the default one, with the consistency checker on.</summary>
    public static EmulatorOptions Checked { get; } = new() { DebugVm = true };

    private static (IReadOnlyList<ArchConfiguration>, IReadOnlyList<PluginFailure>) Load()
    {
        var configurations = new List<ArchConfiguration>();
        var failures = new List<PluginFailure>();
        if (!OutOfTreePlugin.IsUsersPlugin)
            Add(PluginCatalog.Discover(new McMasterPluginLoader(), []), RepositoryPaths.Snapshots, configurations, failures);
        string? output = null;
        try
        {
            output = OutOfTreePlugin.Build();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            failures.Add(new PluginFailure(Path.GetFileName(OutOfTreePlugin.ProjectDirectory), OutOfTreePlugin.ProjectDirectory, e.Message));
        }
        if (output is not null)
        {
            var catalog = PluginCatalog.Discover(new McMasterPluginLoader(), [output], includeDefaultFolder: false);
            if (catalog.Plugins.Count == 0 && catalog.Failures.Count == 0)
                failures.Add(new PluginFailure(Path.GetFileName(OutOfTreePlugin.ProjectDirectory), output, "the build gave no plugin"));
            Add(catalog, OutOfTreePlugin.SnapshotDirectory, configurations, failures);
        }
        return (configurations, failures);
    }

    private static void Add(PluginCatalog catalog, string snapshots, List<ArchConfiguration> configurations, List<PluginFailure> failures)
    {
        foreach (var loaded in catalog.Plugins)
        {
            foreach (var options in loaded.Plugin.SnapshotConfigurations)
                configurations.Add(new ArchConfiguration(loaded, options, loaded.Plugin.Create(options), snapshots));
        }
        failures.AddRange(catalog.Failures);
    }
}
