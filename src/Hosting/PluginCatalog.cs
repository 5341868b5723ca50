using Pluggable.Core.Arch;
using Pluggable.Core.Scenarios;

namespace Pluggable.Hosting;

/// <summary>A plugin that loaded and passed validation, with the assembly it came from.</summary>
public sealed record LoadedPlugin(IArchitecturePlugin Plugin, string AssemblyPath)
{
    public string Name => Plugin.Name;

    /// <summary>Whether <paramref name="name"/> is the plugin's name or one of its aliases (case-insensitive).</summary>
    public bool AnswersTo(string name) =>
        string.Equals(Plugin.Name, name, StringComparison.OrdinalIgnoreCase)
        || Plugin.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The plugin's option defaults, the base every selection starts from.</summary>
    public Dictionary<string, string> DefaultOptions() =>
        Plugin.Options.ToDictionary(o => o.Name, o => o.Default, StringComparer.Ordinal);
}

/// <summary>A plugin that was found but not loaded: its name (the folder's when the plugin never said its own), where, and why.</summary>
public sealed record PluginFailure(string Name, string Path, string Reason)
{
    public override string ToString() => $"{Name} ({Path}): {Reason}";
}

/// <summary>
/// The architecture plugins found at start-up. <see cref="Discover"/> looks in the <c>plugins/</c>
/// folder beside the executable and in extra directories, loads each plugin through an
/// <see cref="IPluginLoader"/>, validates it (<see cref="ArchitectureValidator"/> on its default and
/// snapshot configurations) and keeps the first of two plugins answering to the same name. Plugins
/// that fail are listed in <see cref="Failures"/>; the others are usable.
/// </summary>
public sealed class PluginCatalog
{
    private readonly List<LoadedPlugin> _plugins = [];
    private readonly List<PluginFailure> _failures = [];
    private readonly List<string> _searched = [];

    /// <summary>Every assembly given to the loader, so that reaching one again (the same folder named twice) is not a conflict with itself.</summary>
    private readonly HashSet<string> _seenAssemblies = new(StringComparer.Ordinal);

    /// <summary>Where plugins are looked for first: <c>plugins/</c> beside the executable.</summary>
    public static string DefaultPluginFolder => Path.Combine(AppContext.BaseDirectory, "plugins");

    public IReadOnlyList<LoadedPlugin> Plugins => _plugins;

    public IReadOnlyList<PluginFailure> Failures => _failures;

    /// <summary>The directories looked at, as absolute paths, in search order.</summary>
    public IReadOnlyList<string> SearchedDirectories => _searched;

    /// <summary>
    /// Finds and loads the plugins of <see cref="DefaultPluginFolder"/> (when
    /// <paramref name="includeDefaultFolder"/>; a missing one is no error) and of each of
    /// <paramref name="extraDirectories"/>, in that order. A directory is either one plugin folder
    /// (it holds <c>NAME.dll</c> where NAME is the folder's name, or one <c>NAME.deps.json</c> with its
    /// <c>NAME.dll</c>, as a build output does) or a folder of plugin folders.
    /// </summary>
    /// <exception cref="HostingException">An extra directory does not exist.</exception>
    public static PluginCatalog Discover(IPluginLoader loader, IEnumerable<string> extraDirectories, bool includeDefaultFolder = true)
    {
        var catalog = new PluginCatalog();
        if (includeDefaultFolder)
        {
            catalog._searched.Add(DefaultPluginFolder);
            if (Directory.Exists(DefaultPluginFolder))
                catalog.LoadDirectory(loader, DefaultPluginFolder, reportEmpty: false);
        }
        foreach (var dir in extraDirectories)
        {
            if (string.IsNullOrWhiteSpace(dir))
                throw new HostingException($"plugin directory '{dir}' is empty: expected a folder");
            // Trimmed so that "plugins/Foo/" is the folder Foo, whose plugin is Foo.dll.
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
            if (!Directory.Exists(full))
                throw new HostingException(File.Exists(full)
                    ? $"plugin directory '{dir}' is a file; pass the folder that holds it"
                    : $"plugin directory '{dir}' does not exist");
            if (catalog._searched.Contains(full, StringComparer.Ordinal))
                continue;
            catalog._searched.Add(full);
            catalog.LoadDirectory(loader, full, reportEmpty: true);
        }
        return catalog;
    }

    /// <summary>The plugin whose name or alias is <paramref name="nameOrAlias"/> (case-insensitive), or null.</summary>
    public LoadedPlugin? Find(string nameOrAlias) => _plugins.FirstOrDefault(p => p.AnswersTo(nameOrAlias));

    /// <summary>Parses <paramref name="spec"/> (<c>NAME[:option=value,...]</c>) and selects it.</summary>
    /// <exception cref="HostingException">The text is malformed, or see <see cref="Select(ArchSpec)"/>.</exception>
    public SelectedArchitecture Select(string spec) => Select(ArchSpec.Parse(spec));

    /// <summary>
    /// Resolves the name or alias, checks every option name and value against the plugin's
    /// <see cref="IArchitecturePlugin.Options"/> (case-insensitive, stored as the plugin spells them),
    /// fills in defaults, creates the architecture and validates it.
    /// </summary>
    /// <exception cref="HostingException">Unknown architecture (the message lists the available ones), unknown option or bad value (the message lists the allowed ones), or the plugin failed to create it.</exception>
    public SelectedArchitecture Select(ArchSpec spec)
    {
        var plugin = Find(spec.Name) ?? throw new HostingException(UnknownArchitectureMessage(spec.Name));
        var options = plugin.DefaultOptions();
        foreach (var (key, value) in spec.Options)
        {
            var option = plugin.Plugin.Options.FirstOrDefault(o => string.Equals(o.Name, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new HostingException(plugin.Plugin.Options.Count == 0
                    ? $"architecture {plugin.Name} has no options, got '{key}'"
                    : $"architecture {plugin.Name} has no option '{key}'{Hint(key, plugin.Plugin.Options.Select(o => o.Name))}; its options: {string.Join(", ", plugin.Plugin.Options.Select(OptionSyntax))}");
            options[option.Name] = option.Values.FirstOrDefault(v => string.Equals(v, value, StringComparison.OrdinalIgnoreCase))
                ?? throw new HostingException($"bad value '{value}' for option '{option.Name}' of {plugin.Name}{Hint(value, option.Values)}; allowed: {string.Join(", ", option.Values)}");
        }

        Architecture arch;
        try
        {
            arch = plugin.Plugin.Create(options);
        }
        catch (ArgumentException e)
        {
            // The contract's way to refuse a combination of values: say which, in the plugin's words.
            throw new HostingException($"architecture {plugin.Name} refuses the options {FormatOptions(options)}: {WithoutParameterName(e)}", e);
        }
        catch (Exception e)
        {
            // Plugin code: anything else it throws is the plugin's failure, reported to the user by name.
            throw new HostingException($"architecture {spec} could not be created by {plugin.Name} ({plugin.AssemblyPath}): {e.GetType().Name}: {e.Message}", e);
        }
        try
        {
            ArchitectureValidator.Validate(arch);
        }
        catch (Exception e)
        {
            throw new HostingException($"architecture {spec} from {plugin.Name} ({plugin.AssemblyPath}) is not valid: {e.Message}", e);
        }
        return new SelectedArchitecture(plugin, options, arch);
    }

    private string UnknownArchitectureMessage(string name)
    {
        if (_plugins.Count == 0)
        {
            var failed = _failures.Count == 0 ? "" : $"; {_failures.Count} failed to load (see 'pluggable archs')";
            return $"unknown architecture '{name}': no architecture plugin was loaded from {string.Join(", ", _searched)}{failed}";
        }
        var available = _plugins.Select(p => p.Plugin.Aliases.Count == 0 ? p.Name : $"{p.Name} (also {string.Join(", ", p.Plugin.Aliases)})");
        var names = _plugins.SelectMany(p => p.Plugin.Aliases.Prepend(p.Name));
        return $"unknown architecture '{name}'{Hint(name, names)}; available: {string.Join(", ", available)}";
    }

    /// <summary>" (did you mean 'X'?)" for the closest of <paramref name="candidates"/>, compared without case as names are.</summary>
    private static string Hint(string word, IEnumerable<string> candidates)
    {
        var lower = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
            lower.TryAdd(candidate.ToLowerInvariant(), candidate);
        return Suggestions.Closest(word.ToLowerInvariant(), lower.Keys) is { } closest ? $" (did you mean '{lower[closest]}'?)" : "";
    }

    private static string OptionSyntax(ArchOption o) => $"{o.Name}={string.Join("|", o.Values)}";

    /// <summary>An ArgumentException's message without the " (Parameter 'options')" .NET appends to it.</summary>
    private static string WithoutParameterName(ArgumentException e)
    {
        string suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
    }

    private void LoadDirectory(IPluginLoader loader, string dir, bool reportEmpty)
    {
        if (PluginAssemblyIn(dir) is { } assembly)
        {
            LoadAssembly(loader, assembly);
            return;
        }
        if (ProjectFolderHint(dir) is { } hint)
        {
            Fail(new(Path.GetFileName(dir), dir, hint));
            return;
        }
        var subdirs = Directory.GetDirectories(dir).Order(StringComparer.Ordinal).ToList();
        if (subdirs.Count == 0 && reportEmpty)
            Fail(new(Path.GetFileName(dir), dir, "no plugin here: expected NAME.dll in a folder NAME, or folders of such"));
        foreach (var sub in subdirs)
        {
            if (PluginAssemblyIn(sub) is { } path)
                LoadAssembly(loader, path);
            else
                Fail(new(Path.GetFileName(sub), sub, ProjectFolderHint(sub) ?? $"no {Path.GetFileName(sub)}.dll in the plugin folder"));
        }
    }

    /// <summary>
    /// For a project folder (a <c>*.csproj</c> and no plugin assembly), or a folder on the way to its
    /// build output (<c>bin</c>, <c>bin/Debug</c>), what to pass instead: the build output when there
    /// is one, or how to make it. Null for any other folder.
    /// </summary>
    private static string? ProjectFolderHint(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string? project = full;
        for (int up = 0; up < 2 && project is not null && Directory.GetFiles(project, "*.csproj").Length != 1; up++)
            project = Path.GetDirectoryName(project);
        if (project is null || (project != full && !Path.GetRelativePath(project, full).StartsWith("bin", StringComparison.Ordinal)))
            return null;
        var projects = Directory.GetFiles(project, "*.csproj");
        if (projects.Length != 1)
            return null;
        var name = Path.GetFileNameWithoutExtension(projects[0]);
        if (project != full)
        {
            var below = Directory.GetFiles(full, name + ".dll", SearchOption.AllDirectories)
                .Select(Path.GetDirectoryName).Where(d => d is not null && File.Exists(Path.Combine(d, name + ".deps.json"))).Order(StringComparer.Ordinal).ToList();
            if (below.Count > 0)
                return $"this is on the way to the build output of {name}, not a plugin folder: pass --plugin-dir {below[0]}";
        }
        var bin = Path.Combine(project, "bin");
        var outputs = Directory.Exists(bin)
            ? Directory.GetFiles(bin, name + ".dll", SearchOption.AllDirectories)
                .Select(Path.GetDirectoryName)
                .Where(d => d is not null && File.Exists(Path.Combine(d, name + ".deps.json")))
                .Order(StringComparer.Ordinal)
                .ToList()
            : [];
        return outputs.Count > 0
            ? $"this is the project folder of {name}, not a plugin: pass its build output, --plugin-dir {outputs[0]}"
            : $"this is the project folder of {name}, not a plugin: build it (dotnet build {projects[0]}) and pass its output folder, bin/Debug/net10.0";
    }

    /// <summary>The plugin assembly of a plugin folder, or null when <paramref name="dir"/> is not one.</summary>
    private static string? PluginAssemblyIn(string dir)
    {
        var named = Path.Combine(dir, Path.GetFileName(dir) + ".dll");
        if (File.Exists(named))
            return named;
        // A build output folder (bin/Debug/net10.0) is named after the framework, but its main
        // assembly is the only one with a deps.json.
        var mains = Directory.GetFiles(dir, "*.deps.json")
            .Select(d => Path.Combine(dir, Path.GetFileName(d)[..^".deps.json".Length] + ".dll"))
            .Where(File.Exists)
            .ToList();
        return mains.Count == 1 ? mains[0] : null;
    }

    private void LoadAssembly(IPluginLoader loader, string path)
    {
        if (!_seenAssemblies.Add(CanonicalPath(path)))
            return;
        var folderName = Path.GetFileNameWithoutExtension(path);
        IReadOnlyList<IArchitecturePlugin> found;
        try
        {
            found = loader.Load(path);
        }
        catch (Exception e)
        {
            // Whatever a loader throws (PluginLoadException by contract, anything from another
            // implementation) disqualifies this plugin only.
            Fail(new(folderName, path, e is PluginLoadException ? e.Message : $"{e.GetType().Name}: {e.Message}"));
            return;
        }
        if (found.Count == 0)
        {
            Fail(new(folderName, path, $"no public class with a public parameterless constructor implements {nameof(IArchitecturePlugin)}"));
            return;
        }
        foreach (var plugin in found)
            Admit(plugin, path, folderName);
    }

    /// <summary>Records a failure once, however many of the directories searched lead to it.</summary>
    private void Fail(PluginFailure failure)
    {
        if (!_failures.Exists(f => f.Path == failure.Path && f.Name == failure.Name))
            _failures.Add(failure);
    }

    /// <summary>The path with symbolic links resolved, so that one file reached two ways is recognised.</summary>
    private static string CanonicalPath(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    private void Admit(IArchitecturePlugin plugin, string path, string folderName)
    {
        string name;
        try
        {
            name = plugin.Name;
            Check(plugin);
        }
        catch (Exception e)
        {
            // Plugin code: whatever it throws disqualifies this plugin only.
            Fail(new(SafeName(plugin, folderName), path, e.Message));
            return;
        }

        foreach (var candidate in plugin.Aliases.Prepend(name))
        {
            if (Find(candidate) is { } earlier)
            {
                Fail(new(name, path, $"conflict: '{candidate}' is already taken by {earlier.Name} from {earlier.AssemblyPath}"));
                return;
            }
        }
        _plugins.Add(new LoadedPlugin(plugin, path));
    }

    private static string SafeName(IArchitecturePlugin plugin, string fallback)
    {
        try
        {
            return string.IsNullOrWhiteSpace(plugin.Name) ? fallback : plugin.Name;
        }
        catch (Exception)
        {
            // A plugin whose Name throws is still reported, under its folder's name.
            return fallback;
        }
    }

    /// <summary>
    /// What a plugin must get right before anyone can select it: names usable in
    /// <c>--arch NAME:option=value</c>, option defaults among the values, and every configuration
    /// it offers (the default and the snapshot ones) created and validated.
    /// </summary>
    private static void Check(IArchitecturePlugin plugin)
    {
        foreach (var name in plugin.Aliases.Prepend(plugin.Name))
            if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny([':', ',', '=', ' ']) >= 0)
                throw new InvalidOperationException($"'{name}' cannot be used as an architecture name (empty, or holds ':', ',', '=' or a space)");

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in plugin.Options)
        {
            if (!seen.Add(option.Name))
                throw new InvalidOperationException($"option '{option.Name}' is declared twice");
            if (!option.Values.Contains(option.Default))
                throw new InvalidOperationException($"the default '{option.Default}' of option '{option.Name}' is not among its values {string.Join("|", option.Values)}");
        }

        var defaults = plugin.Options.ToDictionary(o => o.Name, o => o.Default, StringComparer.Ordinal);
        CheckConfiguration(plugin, defaults, "the default configuration");
        foreach (var config in plugin.SnapshotConfigurations)
        {
            var label = $"snapshot configuration {FormatOptions(config)}";
            foreach (var (key, value) in config)
            {
                var option = plugin.Options.FirstOrDefault(o => o.Name == key)
                    ?? throw new InvalidOperationException($"{label} uses undeclared option '{key}'");
                if (!option.Values.Contains(value))
                    throw new InvalidOperationException($"{label} gives option '{key}' the undeclared value '{value}'");
            }
            CheckConfiguration(plugin, config, label);
        }
    }

    private static void CheckConfiguration(IArchitecturePlugin plugin, IReadOnlyDictionary<string, string> options, string label)
    {
        Architecture arch;
        try
        {
            arch = plugin.Create(options);
            ArchitectureValidator.Validate(arch);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{label}: {e.Message}", e);
        }
        if (!string.Equals(arch.Name, plugin.Name, StringComparison.Ordinal))
            throw new InvalidOperationException($"{label}: the architecture calls itself '{arch.Name}', the plugin '{plugin.Name}'");
    }

    /// <summary>Formats an option set as <c>a=1,b=2</c> (the <c>--arch</c> syntax after the colon).</summary>
    public static string FormatOptions(IReadOnlyDictionary<string, string> options) =>
        options.Count == 0 ? "(no options)" : string.Join(",", options.Select(kv => $"{kv.Key}={kv.Value}"));
}
