using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Fuzzing;
using Pluggable.Hosting;

namespace Pluggable.Fuzzing.Tests;

/// <summary>
/// Every configuration of every plugin deployed beside the tests (not only the snapshot matrix's:
/// arm64 with 16K and 64K pages too), and the emulated machine the fuzz tests run: small, with the
/// consistency checks on.
/// </summary>
internal static class Machines
{
    /// <summary>Small enough that the limits are reached, large enough for every generated shape.</summary>
    public const ulong MemoryBytes = 128UL << 20;

    public static readonly EmulatorOptions Options = new() { MemoryBytes = MemoryBytes, DebugVm = true };

    private static readonly Lazy<PluginCatalog> Catalog = new(() => PluginCatalog.Discover(new McMasterPluginLoader(), []));

    public static IReadOnlyList<string> Configurations =>
        [.. Catalog.Value.Plugins.SelectMany(p => PluginConfigurations.All(p.Plugin))];

    public static TheoryData<string> ConfigurationData() => [.. Configurations];

    public static Architecture Architecture(string spec) => Catalog.Value.Select(spec).Architecture;

    public static IReadOnlyList<string> Aliases(string spec) => Catalog.Value.Select(spec).Plugin.Plugin.Aliases;
}
