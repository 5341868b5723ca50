using Pluggable.Core.Arch;

namespace Pluggable.Hosting;

/// <summary>
/// Loads one plugin assembly in a context of its own that shares the contract (Pluggable.Core) with
/// the host. Discovery, validation and conflicts are <see cref="PluginCatalog"/>'s job, so the loading
/// library (<see cref="McMasterPluginLoader"/> today) can be replaced by implementing this alone.
/// </summary>
public interface IPluginLoader
{
    /// <summary>
    /// Returns one new instance of every public class with a public parameterless constructor that
    /// implements <see cref="IArchitecturePlugin"/> in the assembly at <paramref name="assemblyPath"/>
    /// (an absolute path); an empty list when there is none.
    /// </summary>
    /// <exception cref="PluginLoadException">The assembly or one of its plugin types could not be loaded or constructed.</exception>
    IReadOnlyList<IArchitecturePlugin> Load(string assemblyPath);
}
