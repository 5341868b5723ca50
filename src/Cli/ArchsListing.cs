using Pluggable.Core.Arch;
using Pluggable.Core.Kernel;
using Pluggable.Hosting;
using Pluggable.HostKernel.Vm;

namespace Pluggable.Cli;

/// <summary>
/// The text of <c>pluggable archs</c>: for each loaded plugin its names, options and, per snapshot
/// configuration (the ones the cross-architecture matrix runs), the facts the core will use;
/// then the plugins that failed, with their reasons.
/// </summary>
internal static class ArchsListing
{
    public static int Write(PluginCatalog catalog, TextWriter output)
    {
        if (catalog.Plugins.Count == 0)
            output.WriteLine("No architecture plugins were loaded.");

        foreach (var loaded in catalog.Plugins)
        {
            var plugin = loaded.Plugin;
            var aliases = plugin.Aliases.Count == 0 ? "" : $" (also {string.Join(", ", plugin.Aliases)})";
            output.WriteLine($"{plugin.Name}{aliases}: {plugin.Description}");
            output.WriteLine($"  from {loaded.AssemblyPath}");
            output.WriteLine($"  models: {plugin.ModelledKernel}");

            if (plugin.Options.Count == 0)
                output.WriteLine("  options: none");
            else
            {
                output.WriteLine("  options:");
                foreach (var option in plugin.Options)
                    output.WriteLine($"    {option}");
            }

            var defaults = loaded.DefaultOptions();
            var configurations = plugin.SnapshotConfigurations.ToList();
            if (configurations.Count == 0)
                configurations.Add(defaults);
            foreach (var config in configurations)
                WriteConfiguration(output, plugin, config, IsDefault(config, defaults));
            output.WriteLine();
        }

        if (catalog.Failures.Count > 0)
        {
            output.WriteLine("Plugins that failed to load:");
            foreach (var failure in catalog.Failures)
                output.WriteLine($"  {failure.Name} ({failure.Path}): {failure.Reason}");
            output.WriteLine();
        }

        output.WriteLine($"Searched: {string.Join(", ", catalog.SearchedDirectories)}");
        output.WriteLine();
        output.WriteLine($"Linux releases modelled (--kernel): {string.Join(", ", LinuxVersion.Modelled.Select(v => v == LinuxVersion.Default ? $"{v} (default)" : v.ToString()))}; "
            + "'pluggable features --arch A --kernel V' prints what one offers.");
        WriteVmKernels(output);
        return 0;
    }

    private static void WriteConfiguration(TextWriter output, IArchitecturePlugin plugin, IReadOnlyDictionary<string, string> options, bool isDefault)
    {
        var spec = options.Count == 0 ? plugin.Name : $"{plugin.Name}:{PluginCatalog.FormatOptions(options)}";
        output.WriteLine($"  --arch {spec}{(isDefault ? " (default)" : "")}");
        Architecture arch;
        try
        {
            arch = plugin.Create(options);
        }
        catch (Exception e)
        {
            // Checked when the plugin loaded; a plugin that fails now is still listed, with why.
            output.WriteLine($"    could not be created: {e.GetType().Name}: {e.Message}");
            return;
        }
        output.WriteLine($"    geometry:     {arch.Geometry}");
        var huge = arch.HugePageSizes.Count == 0 ? "none" : string.Join(", ", arch.HugePageSizes);
        output.WriteLine($"    huge pages:   {huge}{(arch.DefaultHugePage is { } d ? $"; default {HugePageSize.Format(d.Size)}" : "")}");
        output.WriteLine($"    capabilities: {arch.Capabilities}");
        output.WriteLine($"    zero pages:   {arch.ZeroPageCount}");
    }

    /// <summary>The real kernels <c>--backend vm:NAME</c> boots, with the emulator configuration each is compared with.</summary>
    private static void WriteVmKernels(TextWriter output)
    {
        IReadOnlyList<VmSpec> kernels;
        try
        {
            kernels = VmCatalog.All();
        }
        catch (VmException e)
        {
            output.WriteLine($"VM kernels: none ({e.Message})");
            return;
        }
        output.WriteLine("Real kernels under QEMU (--backend vm:NAME, diff --against vm:NAME):");
        foreach (var spec in kernels)
            output.WriteLine($"  vm:{spec.Name,-20} Linux {spec.KernelVersion,-5} {(spec.Package ?? "built by " + spec.BuildScript),-34} compared with --arch {spec.Emulator}");
    }

    private static bool IsDefault(IReadOnlyDictionary<string, string> config, IReadOnlyDictionary<string, string> defaults) =>
        config.Count == defaults.Count && defaults.All(kv => config.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
