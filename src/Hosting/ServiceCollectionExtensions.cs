using Microsoft.Extensions.DependencyInjection;
using Pluggable.Core.Arch;
using Pluggable.Core.Emulator;
using Pluggable.Core.Scenarios;

namespace Pluggable.Hosting;

/// <summary>
/// The composition root's registrations: the plugin catalog, the selected architecture and the
/// backend factory the scenario runner takes (ScenarioRunner.RunFile's <c>backendFactory</c>).
/// </summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IPluginLoader"/> (<see cref="McMasterPluginLoader"/>) and the
    /// <see cref="PluginCatalog"/> discovered in <see cref="PluginCatalog.DefaultPluginFolder"/> and
    /// <paramref name="extraPluginDirectories"/>.
    /// </summary>
    public static IServiceCollection AddPluginCatalog(this IServiceCollection services, IEnumerable<string> extraPluginDirectories)
    {
        var dirs = extraPluginDirectories.ToList();
        services.AddSingleton<McMasterPluginLoader>();
        services.AddSingleton<IPluginLoader>(sp => sp.GetRequiredService<McMasterPluginLoader>());
        services.AddSingleton(sp => PluginCatalog.Discover(sp.GetRequiredService<IPluginLoader>(), dirs));
        return services;
    }

    /// <summary>
    /// Registers the <see cref="SelectedArchitecture"/> for <paramref name="spec"/>
    /// (<c>NAME[:option=value,...]</c>, resolved against the registered <see cref="PluginCatalog"/>),
    /// its <see cref="Architecture"/>, and a <see cref="Func{IScenarioBackend}"/> that makes a fresh
    /// <see cref="EmulatorBackend"/> on it for every scenario.
    /// </summary>
    /// <param name="options">The emulated machine (memory size, debug checks); the default machine when null.</param>
    /// <exception cref="HostingException"><paramref name="spec"/> is malformed (selection errors surface when resolved).</exception>
    public static IServiceCollection AddArchitecture(this IServiceCollection services, string spec, EmulatorOptions? options = null)
    {
        var parsed = ArchSpec.Parse(spec);
        services.AddSingleton(sp => sp.GetRequiredService<PluginCatalog>().Select(parsed));
        services.AddSingleton(sp => sp.GetRequiredService<SelectedArchitecture>().Architecture);
        services.AddSingleton<Func<IScenarioBackend>>(sp =>
        {
            var selected = sp.GetRequiredService<SelectedArchitecture>();
            return () => new EmulatorBackend(selected.Architecture, selected.Plugin.Plugin.Aliases, options);
        });
        return services;
    }
}
