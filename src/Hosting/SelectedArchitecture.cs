using Pluggable.Core.Arch;

namespace Pluggable.Hosting;

/// <summary>
/// The architecture chosen at start-up: the plugin, the full option set it was created with (the
/// user's values over the plugin's defaults) and the resulting <see cref="Core.Arch.Architecture"/>.
/// Made by <see cref="PluginCatalog.Select(ArchSpec)"/>.
/// </summary>
public sealed record SelectedArchitecture(LoadedPlugin Plugin, IReadOnlyDictionary<string, string> Options, Architecture Architecture)
{
    public override string ToString() => Architecture.ToString();
}
