using System.Reflection;
using McMaster.NETCore.Plugins;
using Pluggable.Core.Arch;

namespace Pluggable.Hosting;

/// <summary>
/// <see cref="IPluginLoader"/> on McMaster.NETCore.Plugins: each plugin gets its own
/// AssemblyLoadContext that resolves the plugin's private dependencies from its folder (through its
/// deps.json) but takes the contract types from the host, so a plugin's
/// <see cref="IArchitecturePlugin"/> is the host's.
/// </summary>
public sealed class McMasterPluginLoader : IPluginLoader, IDisposable
{
    // The load contexts must live as long as the plugin objects they produced.
    private readonly List<PluginLoader> _loaders = [];

    public IReadOnlyList<IArchitecturePlugin> Load(string assemblyPath)
    {
        if (!Path.IsPathFullyQualified(assemblyPath))
            throw new ArgumentException($"McMaster.NETCore.Plugins needs an absolute path, got '{assemblyPath}'", nameof(assemblyPath));

        var assembly = LoadAssembly(assemblyPath);
        var plugins = new List<IArchitecturePlugin>();
        foreach (var type in ExportedTypes(assembly))
        {
            if (!type.IsClass || type.IsAbstract || !typeof(IArchitecturePlugin).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
                continue;
            plugins.Add(Instantiate(type));
        }
        return plugins;
    }

    public void Dispose()
    {
        foreach (var loader in _loaders)
            loader.Dispose();
        _loaders.Clear();
    }

    private Assembly LoadAssembly(string assemblyPath)
    {
        var file = Path.GetFileName(assemblyPath);
        try
        {
            var loader = PluginLoader.CreateFromAssemblyFile(
                assemblyPath,
                sharedTypes: [typeof(IArchitecturePlugin), typeof(Architecture)],
                config => config.PreferSharedTypes = true);
            _loaders.Add(loader);
            return loader.LoadDefaultAssembly();
        }
        catch (BadImageFormatException e)
        {
            throw new PluginLoadException($"{file} is not a .NET assembly", e);
        }
        catch (Exception e)
        {
            // A malformed deps.json or runtimeconfig.json surfaces as an InvalidOperationException
            // from the dependency resolver; whatever it is, it belongs to this plugin alone.
            throw new PluginLoadException($"{file} could not be loaded: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The host's resolver errors run over several lines; the first says what failed.</summary>
    private static string FirstLine(string message)
    {
        int end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }

    private static Type[] ExportedTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            var first = e.LoaderExceptions.FirstOrDefault(x => x is not null);
            throw new PluginLoadException($"types of {assembly.GetName().Name} could not be loaded: {first?.Message ?? e.Message}", e);
        }
        catch (Exception e) when (e is FileLoadException or FileNotFoundException)
        {
            throw new PluginLoadException($"a dependency of {assembly.GetName().Name} is missing: {e.Message}", e);
        }
    }

    private static IArchitecturePlugin Instantiate(Type type)
    {
        try
        {
            return (IArchitecturePlugin)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new PluginLoadException($"the constructor of {type.FullName} threw {inner.GetType().Name}: {inner.Message}", inner);
        }
        catch (Exception e) when (e is MemberAccessException or TypeLoadException or FileLoadException or FileNotFoundException)
        {
            throw new PluginLoadException($"{type.FullName} could not be constructed: {e.Message}", e);
        }
    }
}
